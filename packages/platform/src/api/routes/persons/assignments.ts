/**
 * A person's site assignments (§1.1(7) 一次采集，多台设备使用). Assigning sends the person
 * captured once to every device of the site; ending removes them from that site's
 * devices only; a leave date in the future is ended on that day by the periodic job.
 *
 * Scope: a site manager may assign any enrolled person to one of the account's sites
 * without seeing them first (the 409 of a second enrolment names the person: assigning
 * that one is the whole point of enrolling once), and reads and changes only the
 * assignments on the account's sites.
 */
import { z } from 'zod';
import type { AssignmentRow } from '../../../store/index.js';
import type { Enqueued } from '../../../tasks/engine.js';
import { canSeeSite, type Principal } from '../../auth/principal.js';
import { cursorId, pageOf, pageQuery } from '../../pagination.js';
import { invalid, notFound } from '../../problems.js';
import { isoDate } from '../../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../../types.js';
import {
  assignmentFields,
  assignmentParams,
  domain,
  newAssignment,
  noPerson,
  personParams,
  visiblePerson,
} from './common.js';
import { assignmentView } from './views.js';
import { assignmentInput } from './write.js';

const noAssignment = (id: string) => notFound({ en: `no assignment ${id}`, zh: '进场记录不存在' });

/** What the devices of the site were sent: a task per device, or why it refused the person. */
const sentView = (personId: string, devices: Map<string, Enqueued>) =>
  [...devices].map(([deviceId, e]) => ({
    deviceId,
    taskId: e.refused.includes(personId) ? null : (e.taskId ?? null),
    refused: e.refused.includes(personId),
  }));

export function assignmentRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['persons'];
  const { store, persons } = deps.data;

  /** The assignment the path names, on a site the caller may act on, or 404. */
  async function assignmentOf(params: { personId: string; assignmentId: string }, by: Principal) {
    const a = await store.assignments.get(params.assignmentId);
    if (!a || a.personId !== params.personId || !canSeeSite(by, a.siteId))
      throw noAssignment(params.assignmentId);
    return a;
  }

  api.get(
    '/persons/:personId/assignments',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: 'The person’s assignments (on the caller’s sites), oldest first',
        params: personParams,
        querystring: z.strictObject(pageQuery),
      },
    },
    async (req) => {
      const { assignments } = await visiblePerson(deps, principalOf(req), req.params.personId);
      // A person has a handful: the page is cut from them in id order.
      const after = cursorId(req.query.cursor);
      const rest = after === undefined ? assignments : assignments.filter((a) => a.id > after);
      return pageOf(rest.slice(0, req.query.limit + 1), req.query.limit, (a) => [a.id], assignmentView);
    },
  );

  api.post(
    '/persons/:personId/assignments',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Assign the person to a site: sent to every device of the site, no second capture',
        params: personParams,
        body: newAssignment,
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const b = req.body;
      if (!canSeeSite(by, b.siteId) || !(await store.sites.get(b.siteId)))
        throw invalid('body.siteId', 'no such site');
      const person = await store.persons.get(req.params.personId);
      if (person?.status !== 'active') throw noPerson(req.params.personId);
      const { assignment, devices } = await domain(() =>
        persons.assignments.assign(person, assignmentInput(b)),
      );
      await deps.audit.record({
        by,
        action: 'person.assign',
        resource: 'person',
        resourceId: person.id,
        siteId: assignment.siteId,
        detail: { assignmentId: assignment.id, status: assignment.status },
      });
      reply.code(201).header('location', `/api/v1/persons/${person.id}/assignments/${assignment.id}`);
      return { ...assignmentView(assignment), devices: sentView(person.id, devices) };
    },
  );

  api.patch(
    '/persons/:personId/assignments/:assignmentId',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Change company, team, trade or dates; a leave date today or earlier ends it',
        params: assignmentParams,
        body: z.strictObject(assignmentFields),
      },
    },
    async (req) => {
      const by = principalOf(req);
      const a = await assignmentOf(req.params, by);
      const b = req.body;
      const updated: AssignmentRow = await domain(() =>
        persons.assignments.update(a.id, {
          ...(b.company !== undefined ? { company: b.company } : {}),
          ...(b.team !== undefined ? { team: b.team } : {}),
          ...(b.trade !== undefined ? { trade: b.trade } : {}),
          ...(b.joinedOn !== undefined ? { joinedOn: b.joinedOn } : {}),
          ...(b.leftOn !== undefined ? { leftOn: b.leftOn } : {}),
        }),
      );
      await deps.audit.record({
        by,
        action: 'person.assignment.update',
        resource: 'person',
        resourceId: a.personId,
        siteId: a.siteId,
        detail: { assignmentId: a.id, fields: Object.keys(b), status: updated.status },
      });
      return assignmentView(updated);
    },
  );

  api.post(
    '/persons/:personId/assignments/:assignmentId/end',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'End the assignment (退场) today or on an earlier day: the site’s devices delete the person',
        params: assignmentParams,
        // A bare POST (no body) ends it today.
        body: z.strictObject({ leftOn: isoDate.optional() }).nullish(),
      },
    },
    async (req) => {
      const by = principalOf(req);
      const a = await assignmentOf(req.params, by);
      const ended = await domain(() => persons.assignments.end(a.id, req.body?.leftOn));
      if (a.status === 'active')
        await deps.audit.record({
          by,
          action: 'person.assignment.end',
          resource: 'person',
          resourceId: a.personId,
          siteId: a.siteId,
          detail: { assignmentId: a.id, leftOn: ended.leftOn },
        });
      return assignmentView(ended);
    },
  );
}
