/**
 * Distribution (docs/protocol.md 7.7): a device's person page carries `irisUrls`, our
 * extension, for persons with iris images: signed download URLs exactly as imgUrls are,
 * serving the BMP as stored, refused without a valid signature. Persons without iris
 * images have no such member, so the page stays the standard's 3.3.3.
 */
import { eyeBmp, face, HttpDevice, idNumber, TestDevice, tamperedSignature } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

type Entry = {
  personId: string;
  name: string;
  imgUrls: string[];
  irisUrls?: { left?: string; right?: string };
};

describe('irisUrls on the person page', () => {
  let tp: TestPlatform;
  let tcp: TestDevice;
  let http: HttpDevice;
  let data: Entry[];
  let withIris: string;
  let without: string;
  const left = eyeBmp({ pupilRadius: 35, irisRadius: 100, seed: 21 });
  const right = eyeBmp({ pupilRadius: 33, irisRadius: 96, seed: 22 });

  beforeAll(async () => {
    tp = await startTestPlatform({ 'task-reoffer-after-ms': '60000', 'task-expire-after-ms': '3600000' });
    const { persons, devices, iris } = tp.platform.data;
    const site = await persons.createSite('虹膜下发工地');
    const enrol = async (name: string) =>
      (await persons.add({ siteId: site.id, name, idNumber: idNumber(), photos: [await face()] })).person.id;
    withIris = await enrol('有虹膜');
    without = await enrol('无虹膜');
    for (const [eye, bmp] of [
      ['left', left],
      ['right', right],
    ] as const) {
      const r = await iris.store(withIris, eye, bmp);
      expect(r.stored, JSON.stringify(r.verdicts)).toBe(true);
    }
    tcp = await TestDevice.tcp(tp.platform.tcpPort, 'IRIS-1', tp.creds, () => tp.clock.now);
    expect((await tcp.auth()).success).toBe(true);
    http = new HttpDevice(`http://127.0.0.1:${tp.platform.httpPort}`, 'IRIS-1', tp.creds, tcp.token);
    const device = (await devices.find(tp.creds.vendorId, 'IRIS-1'))!;
    await persons.bindDevice(device.id, site.id);
    const ids = await tp.platform.data.store.tasks.pendingIds(device.id, tp.clock.now);
    const tasks = await http.call('T_GET_TASKS', { param: { taskids: ids }, paramForm: 'text' });
    const send = (tasks.response as { tasks: { taskid: string; apicode: string }[] }).tasks.find(
      (t) => t.apicode === 'T_SEND_PERSON',
    )!;
    const page = await http.call('T_SEND_PERSON', {
      taskid: send.taskid,
      param: { currentPage: 1, size: 10 },
    });
    expect(page.success && page.signOk, page.raw).toBe(true);
    data = (page.response as { data: Entry[] }).data;
  });
  afterAll(async () => {
    tcp?.close();
    await tp?.stop();
  });

  it('carries both eyes for the person who has them, nothing for the other', () => {
    const a = data.find((d) => d.personId === withIris)!;
    const b = data.find((d) => d.personId === without)!;
    expect(Object.keys(a.irisUrls ?? {}).sort()).toEqual(['left', 'right']);
    expect(b).not.toHaveProperty('irisUrls');
    expect(Object.keys(b)).toEqual(['personId', 'name', 'imgUrls']);
  });

  it('signs them as imgUrls are: same route, same expiry and signature parameters', () => {
    const a = data.find((d) => d.personId === withIris)!;
    const img = new URL(a.imgUrls[0]!);
    const iris = new URL(a.irisUrls!.left!);
    expect(iris.pathname.replace(/[^/]+$/, '')).toBe(img.pathname.replace(/[^/]+$/, ''));
    expect([...iris.searchParams.keys()]).toEqual([...img.searchParams.keys()]);
    expect(iris.searchParams.get('e')).toBe(img.searchParams.get('e'));
  });

  it('serves each eye’s BMP with the signature, and refuses without it or with another', async () => {
    const a = data.find((d) => d.personId === withIris)!;
    for (const [url, bytes] of [
      [a.irisUrls!.left!, left],
      [a.irisUrls!.right!, right],
    ] as const) {
      const ok = await fetch(url);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('image/bmp');
      expect(Buffer.from(await ok.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
      expect((await fetch(url.split('?')[0]!)).status).toBe(403);
      expect((await fetch(tamperedSignature(url))).status).toBe(403);
    }
  });
});
