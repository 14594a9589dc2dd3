// Steps of the agent/visitor flow that several browser tests walk through (the inbox on one
// process, two processes behind nginx, one process behind nginx), and the nginx set-up they
// share. Not a test file itself. Every wait is an auto-waiting locator whose deadline only
// stops a hung test.
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { createDatabase } from '../support/pg.mjs';
import { renderSite, startNginx, freePort } from '../support/nginx.mjs';
import { LONG, exactText, conversationWith as item, conversationById as byId } from './lib.mjs';

/**
 * `processes` Parley processes on one new database behind the shipped nginx site (its
 * upstream lists them all), each told nginx's URL as its public URL. `prepare(databaseUrl)`
 * runs before they start (to add agents). Returns { servers, nginx, front }; stop() ends all.
 */
export async function startBehindNginx({ processes = 1, prepare = async () => {} } = {}) {
  const db = createDatabase();
  await prepare(db);
  // The servers must know nginx's address before they start, so its ports are picked first; a
  // server (or anything else) may take one of them in between, and then nginx cannot bind it:
  // try again on fresh ports rather than fail the test on a port race.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const redirectPort = await freePort();
    const front = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: db, PARLEY_PUBLIC_URL: front };
    const servers = await Promise.all(Array.from({ length: processes }, () => startParley({ env })));
    let nginx;
    try {
      nginx = await startNginx(renderSite({ upstream: servers.map((s) => `127.0.0.1:${s.port}`), httpPort: port, redirectPort }), port);
    } catch (err) {
      for (const s of servers) await s.stop();
      if (attempt >= 3) throw err;
      continue;
    }
    return {
      servers,
      nginx,
      front,
      async stop() {
        await nginx.stop();
        for (const s of servers) await s.stop();
      },
    };
  }
}

/** The agent's reply as the visitor's chat frame shows it. */
export const replyInChat = (frame, text) => frame.locator('#live .msg.them').filter({ has: frame.locator('.body', { hasText: exactText(text) }) });

/** Types `text` into the open conversation's reply box and sends it with Enter. */
export async function agentReply(page, text) {
  const input = page.getByTestId('reply-input');
  await input.click();
  await input.pressSequentially(text, { delay: 5 });
  await input.press('Enter');
}

/** The new conversation shows in every agent's list, unassigned. */
export async function seenUnassigned(agents, question) {
  for (const ag of agents) {
    await item(ag.page, question).waitFor({ timeout: LONG });
    await item(ag.page, question).getByTestId('conversation-assignee').filter({ hasText: exactText('Unassigned') }).waitFor({ timeout: LONG });
  }
}

/** A opens the conversation and assigns it to itself; B sees it assigned to A, live. */
export async function assignSeenByOther(A, B, question, aName) {
  await item(A.page, question).click();
  await A.page.getByTestId('messages').getByTestId('message-body').filter({ hasText: exactText(question) }).waitFor({ timeout: LONG });
  await A.page.getByTestId('assign-me').click();
  await A.page.getByTestId('assignee').filter({ hasText: aName }).waitFor({ timeout: LONG });
  await A.page.getByTestId('conversation-status').filter({ hasText: /assigned/i }).waitFor({ timeout: LONG });
  await item(B.page, question).getByTestId('conversation-assignee').filter({ hasText: exactText(aName) }).waitFor({ timeout: LONG });
  await item(B.page, question).click();
  await B.page.getByTestId('assignee').filter({ hasText: exactText(aName) }).waitFor({ timeout: LONG });
}

/**
 * A types the first part of its answer: the visitor sees "typing" and no reply yet; A sends
 * the rest, and the visitor sees the reply once, signed by A, the indicator gone.
 */
export async function typeThenReply(A, frame, [firstPart, rest], aName) {
  const answer = firstPart + rest;
  const input = A.page.getByTestId('reply-input');
  await input.click();
  await input.pressSequentially(firstPart, { delay: 20 });
  await frame.locator('#typing').waitFor({ state: 'visible', timeout: LONG });
  assert.match(await frame.locator('#typingText').innerText(), /typing/i);
  assert.equal(await frame.locator('#live .msg.them').count(), 0, 'no reply shown before it was sent');
  await input.pressSequentially(rest, { delay: 5 });
  await input.press('Enter');
  await A.page.getByTestId('message').filter({ hasText: answer }).getByTestId('message-status').filter({ hasText: 'Sent' }).waitFor({ timeout: LONG });
  const reply = replyInChat(frame, answer);
  await reply.waitFor({ timeout: LONG });
  assert.equal(await reply.count(), 1, 'the reply shown once');
  assert.equal(await reply.locator('.who').innerText(), aName);
  await frame.locator('#typing').waitFor({ state: 'hidden', timeout: LONG });
  return answer;
}

/** A resolves; B (viewing the conversation) and the visitor's chat follow, live. */
export async function resolveSeenByAll(A, B, frame, convId) {
  await A.page.getByTestId('resolve').click();
  await A.page.getByTestId('conversation-status').filter({ hasText: /resolved/i }).waitFor({ timeout: LONG });
  await A.page.getByTestId('reopen').waitFor({ state: 'visible', timeout: LONG });
  await B.page.getByTestId('conversation-status').filter({ hasText: /resolved/i }).waitFor({ timeout: LONG });
  await B.page.getByTestId('view-resolved').click();
  await byId(B.page, convId).filter({ hasText: 'Resolved' }).waitFor({ timeout: LONG });
  await frame.locator('#live section.conv.done').waitFor({ state: 'attached', timeout: LONG });
}
