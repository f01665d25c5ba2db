// Shared by the browser tests: Debian's chromium (never a downloaded browser) and the axe-core check.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// axe-core checks a page or frame against WCAG 2.0–2.2 A and AA. It is injected through the DevTools
// protocol, which the page's Content-Security-Policy does not govern, so the CSP stays on.
const axeSource = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

export function accessibilityChecker() {
  const problems = [];
  async function check(target, name) {
    await target.evaluate(axeSource);
    const result = await target.evaluate(() => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    }));
    console.log(`[axe] ${name}: ${result.passes.length} rules passed, ${result.violations.length} violated`);
    for (const v of result.violations) {
      problems.push(`${name}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }
  }
  return { check, problems };
}
