/**
 * 3.3 T_SEND_PERSON (获取人员数据到考勤设备): the device pulls, page by page, the persons it
 * must add, from the list frozen when the task was created (D11). param is a page
 * request, `{currentPage, size}` (3.3.4) or `{currentPage, totalPage}` (3.3.2), both read
 * (D5); size defaults to 10 and is capped at 100. Response 3.3.3:
 * `{"data":[{"personId","name","imgUrls"}],"currentPage","totalPage"}`, imgUrls signed
 * download URLs on the caller's base URL.
 */
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type PersonPageApicode } from '@kaoqin/protocol';
import type { HandlerResult } from '../../../requests/handler.js';
import { callerOf, type HttpHandler, type HttpHandlerInput } from './handler.js';

/** One page of a person task; shared with 3.4 T_UPDATE_DEVICE_PERSON, whose request and answer are the same. */
export async function personPage(input: HttpHandlerInput<PersonPageApicode>): Promise<HandlerResult> {
  const { ports, req, param, apicode } = input;
  const { currentPage, size } = param;
  // The schema already serves larger pages at the cap; the min keeps this side honest too.
  const pageSize = Math.min(size ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const page = await ports.tasks.personPage(callerOf(input), apicode, req.taskid!, {
    currentPage,
    size: pageSize,
  });
  // Exactly the members of 3.3.3, in the table's order.
  return {
    response: {
      // irisUrls, our extension (docs/protocol.md 7.7), last and only when the person has iris images.
      data: page.data.map((p) => ({
        personId: p.personId,
        name: p.name,
        imgUrls: p.imgUrls,
        ...(p.irisUrls ? { irisUrls: p.irisUrls } : {}),
      })),
      currentPage: page.currentPage,
      totalPage: page.totalPage,
    },
  };
}

export const tSendPerson: HttpHandler<'T_SEND_PERSON'> = personPage;
