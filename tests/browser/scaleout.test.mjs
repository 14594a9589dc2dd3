// Scale-out in the browser: the flow of tests/browser/inbox.test.mjs (two agents in two browser
// contexts and a visitor; the visitor writes, both agents see it; agent A assigns, B sees it;
// A types and replies, the visitor sees typing then the reply; A resolves) with TWO Parley
// processes on one database behind the shipped docker/nginx.conf, whose upstream lists both
// (least_conn). The agents work through nginx, which spreads their sockets; each socket's
// process is read from that process's /metrics, and the visitor is then sent straight to a
// process that the replying agent is NOT on, so every step crosses processes.
// Headless Chromium, real binary, real PostgreSQL, real nginx. No timing assertions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { request, waitFor } from '../support/http.mjs';
import { startBehindNginx, seenUnassigned, assignSeenByOther, typeThenReply, resolveSeenByAll, agentReply, replyInChat } from './flows.mjs';
import {
  LONG, VIEWPORT, customerSite, syncPage, openChat, visitorSend, waitSent, exactText, watchPage, screenshot, agentHelpers, conversationById, conversationWith } from './lib.mjs';

const TEST_OPTS = { timeout: 240000 };
const PASSWORD = 'scaleout browser password 3';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

/** parley_connections{kind="agent"} of one process, read straight from it (not through nginx). */
async function agentSockets(server) {
  const res = await request(server.url + '/metrics');
  assert.equal(res.status, 200, res.text);
  const m = /^parley_connections\{kind="agent"\}\s+(\d+(?:\.\d+)?)\s*$/m.exec(res.text);
  assert.ok(m, `no parley_connections{kind="agent"} in /metrics:\n${res.text.slice(0, 2000)}`);
  return Number(m[1]);
}

async function socketCounts(servers) {
  return Promise.all(servers.map(agentSockets));
}

const byId = conversationById;
const item = conversationWith;

describe('two Parley processes behind nginx: agents and a visitor on different processes', TEST_OPTS, () => {
  let behind;
  let servers = [];
  let nginx;
  let browser;
  let site;
  let front;
  const contexts = [];

  before(async () => {
    site = await customerSite();
    browser = await launchBrowser();
    // Both processes: the same database and the same public URL (nginx's).
    behind = await startBehindNginx({
      processes: 2,
      prepare: async (db) => {
        await addAgent(db, 'alice@scale.test', 'Alice Agent', 'admin');
        await addAgent(db, 'bob@scale.test', 'Bob Agent');
      },
    });
    ({ servers, nginx, front } = behind);
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await behind?.stop();
  });

  it('the visitor writes, both agents see it; A assigns (B sees it), types, replies, resolves — across processes', TEST_OPTS, async () => {
    assert.deepEqual(await socketCounts(servers), [0, 0]);
    // Alice's inbox through nginx: which process holds her socket?
    const A = await agentInbox(browser, front, 'alice@scale.test');
    contexts.push(A.ctx);
    const afterAlice = await waitFor(async () => {
      const c = await socketCounts(servers);
      return c[0] + c[1] === 1 && c;
    }, { deadline: LONG, what: 'Alice\'s socket on one of the processes' });
    const alicesProcess = afterAlice[0] === 1 ? 0 : 1;
    // Bob's, through nginx too: least_conn sends it to the process with fewer connections.
    const B = await agentInbox(browser, front, 'bob@scale.test');
    contexts.push(B.ctx);
    const afterBob = await waitFor(async () => {
      const c = await socketCounts(servers);
      return c[0] + c[1] === 2 && c;
    }, { deadline: LONG, what: 'Bob\'s socket on one of the processes' });
    const bobsProcess = afterBob[alicesProcess] === 2 ? alicesProcess : 1 - alicesProcess;
    // Both processes listed in nginx's upstream did answer through it.
    await A.page.getByTestId('team-member').filter({ hasText: 'Bob Agent' }).waitFor({ timeout: LONG });
    await B.page.getByTestId('team-member').filter({ hasText: 'Alice Agent' }).waitFor({ timeout: LONG });

    // The visitor goes straight to the process Alice is not on (a customer site embedding the
    // widget from that process's own URL).
    const vServer = servers[1 - alicesProcess];
    const vUrl = vServer.url;
    const vctx = await browser.newContext({ viewport: VIEWPORT });
    contexts.push(vctx);
    const visitor = await vctx.newPage();
    const vw = watchPage(visitor);
    await visitor.goto(site.add(syncPage(vUrl, { user: { name: 'Scaled Visitor' } })));
    const frame = await openChat(visitor, vUrl);
    await frame.locator('#status.online').waitFor({ timeout: LONG }); // agents online, on the other process
    const question = 'Hi, does this work with two servers?';
    await visitorSend(frame, question);
    await waitSent(frame, question, vServer);

    await seenUnassigned([A, B], question);
    const convId = await item(A.page, question).getAttribute('data-conversation-id');
    assert.match(convId, /^\d+$/);
    await assignSeenByOther(A, B, question, 'Alice Agent');
    // A types: the visitor, on the other process, sees typing before the reply.
    const answer = await typeThenReply(A, frame, ['Yes: any process', ' serves anyone.'], 'Alice Agent');
    await B.page.getByTestId('message-body').filter({ hasText: exactText(answer) }).waitFor({ timeout: LONG });
    assert.equal(await B.page.getByTestId('message-body').filter({ hasText: exactText(answer) }).count(), 1, 'B shows the reply once');
    assert.equal(await A.page.getByTestId('message-body').filter({ hasText: exactText(answer) }).count(), 1, 'A shows the reply once');
    assert.equal(await A.page.getByTestId('message-body').filter({ hasText: exactText(question) }).count(), 1, 'A shows the question once');
    await screenshot(A.page, 'scaleout-inbox-conversation');

    await resolveSeenByAll(A, B, frame, convId);

    for (const w of [A.watch, B.watch, vw]) {
      assert.deepEqual(w.errors, [], `page errors: ${w.errors.join('\n')}`);
      assert.deepEqual(w.dialogs, [], `dialogs: ${w.dialogs.join('\n')}`);
    }
    // Where everyone was: Alice and the visitor never on the same process; the agents' sockets
    // went through nginx (it logs a WebSocket when it ends), the visitor's did not.
    assert.notEqual(servers.indexOf(vServer), alicesProcess);
    const where = `Alice on process ${alicesProcess}, Bob on ${bobsProcess}, the visitor on ${servers.indexOf(vServer)}`;
    await A.ctx.close();
    await B.ctx.close();
    await waitFor(() => (nginx.accessLog().match(/"GET \/ws HTTP\/1\.1" 101 /g) ?? []).length >= 2, {
      deadline: LONG, what: `both agent sockets in nginx's log (${where})`,
    });
    assert.doesNotMatch(nginx.accessLog(), /GET \/ws\?role=visitor/, 'the visitor went through nginx');
  });

  it('through nginx only: least_conn spreads agents over both processes, and a visitor through nginx reaches them all', TEST_OPTS, async () => {
    await waitFor(async () => {
      const c = await socketCounts(servers);
      return c[0] + c[1] === 0;
    }, { deadline: LONG, what: 'no agent socket left from the previous test' });
    // Two inbox tabs of each agent, all through nginx: least_conn evens the sockets out.
    const pages = [];
    for (const email of ['alice@scale.test', 'bob@scale.test', 'alice@scale.test', 'bob@scale.test']) {
      const ag = await agentInbox(browser, front, email);
      contexts.push(ag.ctx);
      pages.push(ag);
      const n = pages.length;
      await waitFor(async () => {
        const c = await socketCounts(servers);
        return c[0] + c[1] === n;
      }, { deadline: LONG, what: `${n} agent sockets` });
    }
    const counts = await socketCounts(servers);
    assert.ok(counts[0] > 0 && counts[1] > 0, `least_conn left a process without agents: ${JSON.stringify(counts)}`);

    const vctx = await browser.newContext({ viewport: VIEWPORT });
    contexts.push(vctx);
    const visitor = await vctx.newPage();
    const vw = watchPage(visitor);
    await visitor.goto(site.add(syncPage(front, { user: { name: 'Proxied Visitor' } })));
    const frame = await openChat(visitor, front);
    await frame.locator('#status.online').waitFor({ timeout: LONG });
    const question = 'Everyone through nginx?';
    await visitorSend(frame, question);
    await waitSent(frame, question, servers[0]);
    for (const ag of pages) await item(ag.page, question).waitFor({ timeout: LONG });

    const A = pages[0];
    const convId = await item(A.page, question).getAttribute('data-conversation-id');
    await item(A.page, question).click();
    const answer = 'Everyone, on both processes.';
    await agentReply(A.page, answer);
    const reply = replyInChat(frame, answer);
    await reply.waitFor({ timeout: LONG });
    assert.equal(await reply.count(), 1);
    for (const ag of pages.slice(1)) {
      await byId(ag.page, convId).click(); // its preview is the reply now
      await ag.page.getByTestId('message-body').filter({ hasText: exactText(answer) }).waitFor({ timeout: LONG });
      assert.equal(await ag.page.getByTestId('message-body').filter({ hasText: exactText(answer) }).count(), 1);
    }
    for (const w of [...pages.map((p) => p.watch), vw]) assert.deepEqual(w.errors, [], `page errors: ${w.errors.join('\n')}`);
  });
});
