/** The audit log page's strings. */
import { part } from '../part';

export default part(
  {
    audit: {
      title: '审计日志',
      filter: {
        title: '筛选审计日志',
        actor: '操作人',
        action: '操作',
        actionPlaceholder: '如 account.create',
        resource: '对象类型',
        resourceId: '对象编号',
        range: '时间',
        reset: '重置',
      },
      col: {
        at: '时间',
        actor: '操作人',
        role: '角色',
        action: '操作',
        resource: '对象',
        site: '工地',
        ip: '来源 IP',
        detail: '详情',
      },
    },
  },
  {
    audit: {
      title: 'Audit log',
      filter: {
        title: 'Filter the audit log',
        actor: 'Actor',
        action: 'Action',
        actionPlaceholder: 'e.g. account.create',
        resource: 'Resource type',
        resourceId: 'Resource id',
        range: 'Time',
        reset: 'Reset',
      },
      col: {
        at: 'Time',
        actor: 'Actor',
        role: 'Role',
        action: 'Action',
        resource: 'Resource',
        site: 'Site',
        ip: 'From IP',
        detail: 'Detail',
      },
    },
  },
);
