// The console in Debian's chromium, headless, against the local stack (watch
// serves the console and the functions; moto and the TikTok sandbox behind
// them). Run by functions/console/tests/browser.rs, which makes the tenant
// and the video and passes:
//   CONSOLE_URL          the console's page on the stack
//   CONSOLE_E2E_API_KEY  a fresh tenant's key (typed into the sign-in form only)
//   CONSOLE_E2E_VIDEO    a real MP4 (12 s, 720×1280)
//   CONSOLE_SCREENSHOTS  where each screen's picture goes
//   CHROMIUM             the browser binary
// One story, in order (node:test runs a file's subtests one after another):
// each step starts where the last one left the page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set (run through cargo nextest / make test)`);
  return value;
};
const consoleUrl = env('CONSOLE_URL');
const apiKey = env('CONSOLE_E2E_API_KEY');
const video = env('CONSOLE_E2E_VIDEO');
const shots = env('CONSOLE_SCREENSHOTS');
mkdirSync(shots, { recursive: true });

const PUBLISH_WAIT_MS = 5 * 60_000;

const browser = await chromium.launch({
  executablePath: env('CHROMIUM'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
});
const context = await browser.newContext({
  viewport: { width: 1280, height: 900 },
  timezoneId: 'Europe/Paris',
  locale: 'en-GB',
});
const page = await context.newPage();
// Generous: every function's first request under watch starts it (`cargo
// run`), and in make test that happens while six other tests load the
// machine — the first sign-in took 30 s in a CI run. A failed step skips the
// rest, so a real failure still ends the run early.
page.setDefaultTimeout(120_000);
const problems = [];
const requestUrls = [];
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('request', (r) => requestUrls.push(r.url()));
page.on('console', (m) => {
  if (m.type() === 'error' && m.text().startsWith('CSP violation')) problems.push(m.text());
});
await context.addInitScript(() => {
  document.addEventListener('securitypolicyviolation', (e) =>
    console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`),
  );
});
after(async () => {
  await browser.close();
});

const tid = (id) => page.getByTestId(id);
/** The calendar's week that `at` falls in (local to the page), through the
 * calendar's own route: a post near the end of Sunday is in next week. */
const calendarWeekOf = async (at) => {
  const { day } = await localDayHour(at);
  await tid('nav-calendar').click();
  await page.evaluate((hash) => {
    window.location.hash = hash;
  }, `#/calendar?${new URLSearchParams({ view: 'week', date: day })}`);
};
/** `at`'s day (`YYYY-MM-DD`, the calendar's `data-day`) and hour in the page's zone. */
const localDayHour = (at) =>
  page.evaluate((ms) => {
    const d = new Date(ms);
    const p = (n) => String(n).padStart(2, '0');
    return { day: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`, hour: d.getHours() };
  }, at);
const shot = (name, options = {}) => page.screenshot({ path: join(shots, `${name}.png`), ...options });
/** `YYYY-MM-DDTHH:MM` in the page's zone (what a datetime-local input takes). */
const localInput = (at) =>
  page.evaluate((ms) => {
    const d = new Date(ms);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }, at);

const state = {};

/** A GET through the API as the signed-in page would make it. */
const apiGet = (path) =>
  page.evaluate(async (p) => {
    const config = await (await fetch('./config.json')).json();
    const key = sessionStorage.getItem('console.api_key');
    const r = await fetch(`${config.api_base}${p}`, { headers: { authorization: `Bearer ${key}` } });
    return r.json();
  }, path);

test('the console in chromium against the local stack', async (t) => {
  // One story: after a failed step the rest would only wait out their
  // timeouts on a page in the wrong place, so they are skipped.
  let broken = false;
  const step = (name, body) =>
    t.test(name, async (s) => {
      if (broken) return s.skip('an earlier step failed');
      try {
        await body();
      } catch (e) {
        broken = true;
        await shot('failed', { fullPage: true }).catch(() => {});
        throw e;
      }
    });
  await step('a wrong key is refused and the tenant key signs in, never in a URL', async () => {
    await page.goto(consoleUrl);
    // The first requests start the console function under watch (`cargo
    // run`, one instance per request in flight, waiting on cargo's lock
    // while other tests start theirs): minutes on a busy runner, not a
    // property of the console.
    await tid('api-key').waitFor({ timeout: 180_000 });
    await tid('api-key').fill('tk_not_a_real_key');
    await tid('sign-in').click();
    await tid('alert').filter({ hasText: /./ }).waitFor();
    await tid('api-key').fill(apiKey);
    await tid('sign-in').click();
    await tid('connect-tiktok').waitFor();
    assert.match(page.url(), /#\/accounts$/);
  });

  await step('connecting goes through the sandbox consent page and comes back ACTIVE', async () => {
    // A private studio creator (followers / only me, no duet or stitch).
    // An earlier run against the same stack may hold some (an account has
    // one tenant): the callback then brings the browser back refused, and
    // the next one is tried.
    const first = Math.floor(Math.random() * 8);
    const row = page.locator('[data-testid^="account-"][data-status]');
    for (let n = 0; n < 8 && !state.account; n++) {
      await tid('connect-tiktok').click();
      await tid('consent-creator').waitFor();
      assert.ok(!page.url().startsWith(consoleUrl), `on TikTok's (the sandbox's) page: ${page.url()}`);
      await tid('consent-creator').selectOption(`studio_0${1 + ((first + n) % 8)}`);
      if (n === 0) await shot('consent');
      await tid('consent-authorize').click();
      await page.waitForURL((url) => url.href.startsWith(consoleUrl) && url.search === '' && url.hash === '#/accounts');
      // The page loaded afresh: an alert now is the callback's refusal.
      const outcome = await Promise.race([
        row.first().waitFor().then(() => 'connected'),
        tid('alert').filter({ hasText: /\S/ }).waitFor().then(() => 'refused'),
      ]);
      if (outcome === 'connected') {
        state.account = (await row.first().getAttribute('data-testid')).replace('account-', '');
      }
    }
    assert.ok(state.account, 'one of the eight studio creators connected');
    assert.equal(await tid(`account-status-${state.account}`).textContent(), 'ACTIVE');
    await shot('accounts');
  });

  await step('compose follows the creator: private options only, no default, no duet or stitch', async () => {
    await tid('nav-compose').click();
    await tid('compose-account').selectOption(state.account);
    await tid('compose-privacy').waitFor();
    assert.equal(await tid('compose-privacy').inputValue(), '', 'privacy has no default');
    const offered = await tid('compose-privacy')
      .locator('option:not([disabled])')
      .evaluateAll((options) => options.map((o) => o.value).filter(Boolean));
    assert.deepEqual(offered.sort(), ['FOLLOWER_OF_CREATOR', 'SELF_ONLY']);
    assert.ok(await tid('compose-allow-duet').isDisabled(), 'the creator turned duet off');
    assert.ok(await tid('compose-allow-stitch').isDisabled(), 'the creator turned stitch off');
    // Every control has a name a screen reader can say.
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((e) => e.type !== 'hidden' && !e.labels?.length && !e.getAttribute('aria-label'))
        .filter((e) => !e.getAttribute('aria-labelledby') && !e.textContent.trim())
        .map((e) => e.outerHTML.slice(0, 100)),
    );
    assert.deepEqual(unnamed, []);
  });

  await step('a real video uploads by presigned PUT and pre-flight says READY', async () => {
    await tid('compose-file').setInputFiles(video);
    await page.locator('[data-testid="upload-verdict-0"][data-status="READY"]').waitFor({ timeout: 120_000 });
    assert.equal(await tid('upload-progress-0').evaluate((p) => p.value / (p.max || 1)), 1);
    assert.notEqual(await tid('upload-verdict-0').getAttribute('data-too-long'), 'true');
    // The measured facts: the file's own twelve seconds at 720×1280.
    assert.match(await tid('upload-verdict-0').textContent(), /^Ready: 12\.0 s, 720×1280/);
  });

  await step('the caption counts UTF-16 units and refuses control characters', async () => {
    await tid('compose-caption').fill('bad\u0007bell');
    assert.equal(await tid('compose-caption').getAttribute('aria-invalid'), 'true');
    // 🎬 is two UTF-16 units, as TikTok counts them.
    await tid('compose-caption').fill('Studio 🎬');
    assert.equal(await tid('compose-caption-count').textContent(), '9 / 2200');
    await tid('compose-caption').fill('Studio session, behind the scenes #studio');
    assert.equal(await tid('compose-caption-count').textContent(), '41 / 2200');
  });

  await step('a post scheduled two minutes ahead is filed and its timeline opens', async () => {
    await tid('compose-privacy').selectOption('FOLLOWER_OF_CREATOR');
    // Minute precision: two minutes on, floored, is at least the stack's
    // 60 s minimum lead.
    state.publishedAt = Date.now() + 120_000;
    await tid('compose-schedule').fill(await localInput(state.publishedAt));
    await shot('compose', { fullPage: true });
    await tid('compose-submit').click();
    await page.waitForURL(/#\/posts\//);
    state.published = decodeURIComponent(page.url().split('#/posts/')[1]);
    await tid('timeline-entry-0').waitFor();
    assert.equal(await tid('timeline-entry-0').getAttribute('data-to'), 'SCHEDULED');
  });

  await step('another post, three hours ahead, is dragged to the next hour on the calendar', async () => {
    await tid('nav-compose').click();
    await tid('compose-account').selectOption(state.account);
    await tid('compose-privacy').waitFor();
    await tid('compose-file').setInputFiles(video);
    await page.locator('[data-testid^="upload-verdict-"][data-status="READY"]').waitFor({ timeout: 120_000 });
    await tid('compose-caption').fill('To be moved, then cancelled');
    await tid('compose-privacy').selectOption('SELF_ONLY');
    const at = Date.now() + 3 * 3_600_000;
    await tid('compose-schedule').fill(await localInput(at));
    await tid('compose-submit').click();
    await page.waitForURL(/#\/posts\//);
    const id = decodeURIComponent(page.url().split('#/posts/')[1]);
    state.moved = id;
    // What the API holds (the input has minute precision, `at` does not).
    const filed = new Date((await apiGet(`/posts/${id}`)).scheduled_at).getTime();

    const { day, hour } = await localDayHour(at);
    await calendarWeekOf(at);
    const block = tid(`cal-post-${id}`);
    await block.waitFor();
    assert.equal(await block.getAttribute('data-status'), 'SCHEDULED');
    const target = hour >= 23 ? hour - 1 : hour + 1;
    const slot = page.locator(`[data-day="${day}"][data-hour="${target}"]`);
    // The block and the slot under it both in view first: in the evening
    // (late hours) the target is below the fold, and a drag that has to
    // scroll the page on its way drops nowhere.
    await slot.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await block.dragTo(slot);
    await page.locator(`[data-day="${day}"][data-hour="${target}"] [data-testid="cal-post-${id}"]`).waitFor();
    // The API holds the new time.
    const response = await apiGet(`/posts/${id}`);
    const moved = new Date(response.scheduled_at).getTime();
    assert.equal((moved - filed) / 60_000, (target - hour) * 60, 'moved by exactly the hour');
  });

  await step('the moved post is cancelled from the calendar', async () => {
    await tid(`cancel-${state.moved}`).click();
    await tid('confirm-yes').click();
    await page.locator(`[data-testid="cal-post-${state.moved}"][data-status="CANCELLED"]`).waitFor();
  });

  await step('the first post reaches PUBLISHED on the calendar, by itself', async () => {
    await calendarWeekOf(state.publishedAt);
    await page.locator(`[data-testid="cal-post-${state.published}"][data-status="PUBLISHED"]`).waitFor({
      timeout: PUBLISH_WAIT_MS,
    });
    await shot('calendar');
  });

  await step("its timeline shows every move and TikTok's ids", async () => {
    await tid(`cal-link-${state.published}`).click();
    await tid('timeline').waitFor();
    const moves = await page.locator('[data-testid^="timeline-entry-"]').evaluateAll((rows) => rows.map((r) => r.dataset.to));
    assert.equal(moves[0], 'SCHEDULED');
    assert.equal(moves.at(-1), 'PUBLISHED');
    assert.ok(moves.includes('QUEUED'), moves.join(' → '));
    assert.equal(await tid('post-status').textContent(), 'PUBLISHED');
    // TikTok names the publish; a public post id exists only for public
    // posts, and this creator's are not.
    const post = await apiGet(`/posts/${state.published}`);
    assert.ok(post.publish_id, JSON.stringify(post));
    const summary = await tid('post-summary').textContent();
    assert.ok(summary.includes(post.publish_id), summary);
    for (const id of post.post_ids) assert.ok(summary.includes(id), summary);
    await shot('timeline', { fullPage: true });
  });

  await step('a hashtag analysis shows its figures and its chart', async () => {
    await tid('nav-hashtags').click();
    await tid('hashtag-tag').fill('fyp');
    await tid('hashtag-source').selectOption('research');
    await tid('hashtag-submit').click();
    await tid('hashtag-chart').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="hashtag-chart"]')?.naturalWidth > 0);
    assert.match(await tid('hashtag-chart').getAttribute('src'), /^blob:/);
    assert.match(await tid('hashtag-answer-meta').textContent(), /research/i);
    await shot('hashtags', { fullPage: true });
  });

  await step('on a phone-width screen nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    for (const [screen, ready] of [
      ['nav-calendar', `cal-post-${state.published}`],
      ['nav-compose', 'compose-account'],
      ['nav-accounts', 'connect-tiktok'],
    ]) {
      await tid(screen).click();
      await tid(ready).waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `${screen}: ${width}px wide`);
    }
    await tid('nav-calendar').click();
    await tid(`cal-post-${state.published}`).waitFor();
    await shot('phone-calendar', { fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await step('the key never appeared in a URL and the page broke no CSP rule', async () => {
    assert.deepEqual(requestUrls.filter((url) => url.includes(apiKey)), []);
    assert.deepEqual(problems, []);
  });
});
