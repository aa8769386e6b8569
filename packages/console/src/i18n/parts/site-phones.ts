/** The strings of a site's phone clock-in tab (pages/sites/site-phones.tsx). */
import { part } from '../part';

export default part(
  {
    sitePhones: {
      tab: '手机考勤',
      entryTitle: '手机考勤入口',
      entryHelp:
        '打印此二维码贴在工地入口。工人用手机扫码打开考勤页面，输入管理人员给的 8 位手机考勤码和身份证号后 6 位，即可把手机登记为本工地的考勤设备；之后每次打卡都要完成眨眼或转头动作，并上传一张自拍和定位。',
      codesHelp: '手机考勤码在工人详情页按人生成，每个码只能用一次。',
      listTitle: '已登记的手机',
      sn: '设备号',
      worker: '工人',
      status: '状态',
      registered: '登记时间',
      more: '只显示前 {{n}} 部，其余请在设备列表中按工地和类型筛选',
    },
  },
  {
    sitePhones: {
      tab: 'Phone clock-in',
      entryTitle: 'Phone clock-in entry',
      entryHelp:
        "Print this QR code at the site's entrance. A worker scans it to open the clock-in page, types the 8-digit phone clock-in code from a site manager and the last 6 characters of their ID number, and the phone becomes a clock-in device of this site; every clock-in then asks for a blink or a head turn and sends one selfie and the position.",
      codesHelp: "Phone clock-in codes are made per worker on the worker's page; each code works once.",
      listTitle: 'Registered phones',
      sn: 'Device number',
      worker: 'Worker',
      status: 'Status',
      registered: 'Registered',
      more: 'Only the first {{n}} are shown: filter the device list by site and kind for the rest',
    },
  },
);
