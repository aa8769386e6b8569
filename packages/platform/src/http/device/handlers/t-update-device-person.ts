/**
 * 3.4 T_UPDATE_DEVICE_PERSON (更新设备人员信息): the same page request, answer and formulas
 * as 3.3 T_SEND_PERSON; the device updates each person by personId and adds those it
 * does not hold (根据 personId 更新数据,如果没有则新增). The task engine checks that the
 * taskid is a T_UPDATE_DEVICE_PERSON task (490_06 otherwise).
 */
import type { HttpHandler } from './handler.js';
import { personPage } from './t-send-person.js';

export const tUpdateDevicePerson: HttpHandler<'T_UPDATE_DEVICE_PERSON'> = personPage;
