import { APICODE_GROUPS, APICODE_SPECS, APICODES, TASK_APICODES } from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';

describe('apicode groupings', () => {
  it('the task group is exactly the apicodes whose spec names a task', () => {
    expect([...APICODE_GROUPS.task]).toEqual(APICODES.filter((a) => APICODE_SPECS[a].taskid));
    expect(TASK_APICODES).toBe(APICODE_GROUPS.task);
  });

  it('the person-page apicodes are tasks with the same request and answer shapes', () => {
    for (const a of APICODE_GROUPS.personPage) {
      expect(APICODE_GROUPS.task).toContain(a);
      expect(APICODE_SPECS[a].paramSchema).toBe(APICODE_SPECS.T_SEND_PERSON.paramSchema);
      expect(APICODE_SPECS[a].responseSchema).toBe(APICODE_SPECS.T_SEND_PERSON.responseSchema);
    }
  });
});
