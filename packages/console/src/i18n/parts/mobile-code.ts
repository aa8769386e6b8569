/**
 * The strings of a worker's phone clock-in code (pages/workers/mobile-code.tsx): the
 * one-time code with which the worker registers a phone as the site's mobile device.
 */
import { part } from '../part';

export default part(
  {
    mobileCode: {
      action: '手机考勤码',
      title: '手机考勤码 · {{site}}',
      intro:
        '生成一次性考勤码，工人用手机扫码或输入 8 位数字，再输入身份证号后 6 位，即可把手机登记为本工地的考勤设备。登记后，该工人在本工地原有的手机将被停用。',
      validHours: '有效时长（小时）',
      validHoursHint: '1 至 168 小时，默认 24 小时；只能使用一次',
      create: '生成考勤码',
      once: '考勤码只显示这一次，关闭后无法再次查看；如遗失，请重新生成。',
      code: '考勤码',
      expires: '有效期至',
      link: '登记链接',
      howTo: '请工人用手机相机扫描二维码，或在手机浏览器打开链接，按提示完成登记和打卡。',
      done: '完成',
    },
  },
  {
    mobileCode: {
      action: 'Phone clock-in code',
      title: 'Phone clock-in code · {{site}}',
      intro:
        'Creates a one-time code. The worker scans it with their phone or types the 8 digits, then the last 6 characters of their ID number, and the phone becomes a clock-in device of this site. Any phone the worker registered on this site before is then disabled.',
      validHours: 'Valid for (hours)',
      validHoursHint: '1 to 168 hours, 24 by default; it can be used once',
      create: 'Create code',
      once: 'The code is shown this once and cannot be seen again after closing; if it is lost, create a new one.',
      code: 'Code',
      expires: 'Valid until',
      link: 'Registration link',
      howTo:
        'Have the worker scan the QR code with their phone’s camera, or open the link in the phone’s browser, and follow the steps to register and clock in.',
      done: 'Done',
    },
  },
);
