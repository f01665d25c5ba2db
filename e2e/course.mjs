// End-to-end: a learner takes a real cyber basics module (built from courses/ and seeded on first run)
// through the Rampart player: pages, a knowledge check, the final assessment failed (the module stays
// incomplete and offers a retry), retried and passed (completion and score recorded), with axe-core on
// the course's pages. Run by engine/server/tests/it/browser.rs (RAMPART_URL, LEARNER_EMAIL).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { accessibilityChecker, launchChromium } from './support.mjs';

const base = process.env.RAMPART_URL ?? 'http://127.0.0.1:3000';
const artifacts = process.env.ARTIFACTS_DIR ?? 'target/e2e';
const email = process.env.LEARNER_EMAIL ?? 'lena@leeds.example';
const MODULE = 'Phishing and social engineering';
const PASSWORD = 'correct horse battery staple';
mkdirSync(artifacts, { recursive: true });

const browser = await launchChromium();
const { check: checkAccessibility, problems: accessibilityProblems } = accessibilityChecker();

let step = 'start';
const problems = [];
function check(name) { step = name; console.log(`[step] ${name}`); }

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

  check('the learner signs in; the seeded module is on their dashboard');
  await page.goto(base + '/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/dashboard');
  await page.getByRole('link', { name: `Start ${MODULE}` }).click();
  await page.waitForURL('**/learn/**');

  check('the module opens inside the player from the content origin');
  const course = page.frameLocator('#player-frame').frameLocator('#sco');
  await course.locator('#page-status').waitFor({ timeout: 20000 });
  const frame = () => page.frames().find((f) => f.url().includes('/index.html'));
  assert.ok(frame(), 'the module frame is loaded');
  assert.ok(frame().url().startsWith('http://localhost:'), `content origin: ${frame().url()}`);
  assert.equal(await course.locator('#lms-notice').isVisible(), false, 'the module found the LMS API');
  const data = JSON.parse(await course.locator('script#course-data').textContent());
  await checkAccessibility(frame(), 'module first page');

  check('pages move on with Next; the knowledge check gives feedback');
  for (let i = 0; i < 10 && !(await course.locator('#c0').isVisible()); i += 1) {
    await course.locator('#next-page').click();
  }
  await course.locator('#c0').waitFor();
  for (const [k, option] of data.checks[0].options.entries()) {
    if (option.c) await course.locator(`#c0-o${k}`).check();
  }
  await course.locator('#c0-submit').click();
  await course.locator('#c0-feedback').filter({ hasText: /^Correct\./ }).waitFor();
  await checkAccessibility(frame(), 'module page with a knowledge check');

  check('the final assessment, answered wrongly, is failed and offers a retry');
  async function openAssessment() {
    const summary = course.locator('nav.contents details > summary');
    if (!(await course.locator('#page-list').isVisible())) await summary.click();
    await course.locator('#page-list a[data-page-link="assessment"]').click();
    await course.locator('#assessment-form').waitFor();
  }
  async function answer(correctly) {
    const questions = course.locator('fieldset.question');
    const count = await questions.count();
    assert.equal(count, data.assessment.n, 'the drawn number of questions');
    for (let n = 0; n < count; n += 1) {
      const question = questions.nth(n);
      const id = await question.getAttribute('data-question');
      const fieldsetId = await question.getAttribute('id');
      const bankEntry = data.bank.find((q) => q.id === id);
      const wanted = correctly
        ? bankEntry.options.map((o, k) => (o.c ? k : -1)).filter((k) => k >= 0)
        : [bankEntry.options.findIndex((o) => !o.c)];
      for (const k of wanted) await course.locator(`#${fieldsetId}-o${k}`).check();
    }
    await course.locator('#assessment-submit').click();
  }
  await openAssessment();
  await checkAccessibility(frame(), 'final assessment');
  await answer(false);
  await course.locator('#assessment-result').filter({ hasText: 'You did not pass' }).waitFor();
  await course.locator('#assessment-retry').waitFor();
  await checkAccessibility(frame(), 'failed assessment with feedback');

  check('the failed attempt is saved: the module is not complete');
  await page.waitForFunction(() => Number(document.getElementById('player').dataset.acknowledged) > 0);
  const afterFail = await context.newPage();
  await afterFail.goto(base + '/dashboard');
  const card = afterFail.locator('li.course-card').filter({ hasText: MODULE });
  const failedStatus = (await card.locator('.course-status').textContent()).trim();
  assert.ok(!/passed|completed/i.test(failedStatus), `not complete after failing (${failedStatus})`);
  await afterFail.close();

  check('a retry, answered correctly, passes; finishing records completion and the score');
  await course.locator('#assessment-retry').click();
  await course.locator('#assessment-form').waitFor();
  await answer(true);
  await course.locator('#assessment-result').filter({ hasText: 'You passed' }).waitFor();
  await course.locator('#finish').click();
  await page.waitForFunction(() => document.getElementById('player').dataset.state === 'ended', null, { timeout: 20000 });
  await page.locator('#player-toc .toc-status').filter({ hasText: /passed/i }).waitFor({ timeout: 10000 });
  await page.screenshot({ path: join(artifacts, 'course-passed.png') });

  await page.goto(base + '/dashboard');
  const done = page.locator('li.course-card').filter({ hasText: MODULE });
  await done.locator('.course-status').filter({ hasText: 'Passed' }).waitFor();
  assert.match(await done.locator('.course-score').textContent(), /Score 100/, 'the score is recorded');

  if (problems.length) throw new Error(`the pages reported errors:\n${problems.join('\n')}`);
  if (accessibilityProblems.length) throw new Error(`accessibility violations:\n${accessibilityProblems.join('\n')}`);
  console.log('course browser test passed');
} catch (error) {
  console.error(`failed at step: ${step}`);
  console.error(error);
  if (problems.length) console.error(problems.join('\n'));
  if (accessibilityProblems.length) console.error(accessibilityProblems.join('\n'));
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages[0]) await pages[0].screenshot({ path: join(artifacts, 'course-failure.png'), fullPage: true });
  } catch {}
  process.exitCode = 1;
} finally {
  await browser.close();
}
