/** The dashboard's strings. */
import { part } from '../part';

export default part(
  {
    dashboard: {
      title: '总览',
      live: '实时打卡',
      liveEmpty: '等待设备打卡…',
      device: '设备',
      person: '人员编号',
      time: '打卡时间',
      received: '到达平台',
      online: '在线设备',
      offline: '离线设备',
    },
  },
  {
    dashboard: {
      title: 'Dashboard',
      live: 'Live clock-ins',
      liveEmpty: 'Waiting for devices to clock in…',
      device: 'Device',
      person: 'Person id',
      time: 'Clock-in time',
      received: 'Reached the platform',
      online: 'Devices online',
      offline: 'Devices offline',
    },
  },
);
