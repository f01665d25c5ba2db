// The course player (engine origin). Launches the activity (`/api/runtime/launch`), frames the SCO
// launcher on the content origin, and carries the launcher's journal of accepted SCORM calls to
// `/api/runtime/commit`: every few seconds, at once on Commit and Terminate, and with sendBeacon (or a
// keepalive fetch) when the page is hidden or goes away, so closing the tab loses nothing.
//
// Message protocol with the launcher (postMessage, exact origins and the frame's window checked):
//   launcher → player  rampart:ready, rampart:started {entry}, rampart:calls {calls, reason},
//                      rampart:unloaded {terminated}, rampart:error {message}
//   player → launcher  rampart:launch {launch: {version, context, data, content_url, title}}, rampart:unload
//
// Batches name the position of their first call in the launch's journal (`seq`): the server applies only
// calls it has not stored, so a batch sent twice (a beacon racing a fetch) is harmless.
'use strict';
(() => {
  const root = document.getElementById('player');
  const frame = document.getElementById('player-frame');
  const statusLine = document.getElementById('player-status');
  if (!root || !frame) return;
  // Inside an LMS frame (LTI) there is no session cookie: the launch-bound token arrives in the URL
  // fragment (never sent to a server) and goes with every API call as a bearer token instead of the
  // cookie and CSRF header. The item may be left for the server to choose (where the learner left off).
  const lti = root.dataset.lti === '1';
  const launchToken = lti ? takeLaunchToken() : '';
  // The token leaves the address at once (out of history, bookmarks and anything copied from the
  // address bar); this tab keeps it in sessionStorage, where storage works, so a reload carries on.
  function takeLaunchToken() {
    const key = `rampart-lti-${root.dataset.package}`;
    const fromUrl = decodeURIComponent(window.location.hash.slice(1));
    let stored = '';
    try {
      if (fromUrl) window.sessionStorage.setItem(key, fromUrl);
      stored = window.sessionStorage.getItem(key) || '';
    } catch (error) {
      // Storage blocked in this frame: the token lives only in this page.
    }
    if (fromUrl) window.history.replaceState(null, '', window.location.pathname + window.location.search);
    return fromUrl || stored;
  }
  if (lti ? !launchToken : !root.dataset.item) {
    if (lti) {
      statusLine.textContent = 'This course window has no launch. Open the activity again from your learning system.';
    }
    return;
  }
  // Credentials for an API call: the bearer token in LTI mode, else the session cookie (+ CSRF header).
  function authHeaders(extra) {
    return lti ? { ...extra, authorization: `Bearer ${launchToken}` } : extra;
  }

  const EVERY_MS = 5000;
  let launch = null;
  let pending = []; // calls not yet acknowledged, starting at position `acknowledged`
  let acknowledged = 0;
  let inFlight = null; // the promise of the sending loop, while it runs
  let again = false; // more was asked for while a request was in flight
  let finalAsked = false;
  let ended = false;
  let broken = false; // the server refused a call: stop sending, tell the learner
  let timer = null;
  let unloadWaiter = null;

  function say(text) {
    statusLine.textContent = text;
  }

  // For people debugging and for browser tests: where the launch stands (`data-state`: launching,
  // running, ended, failed) and how many calls of it the server has stored (`data-acknowledged`).
  function mark(state) {
    root.dataset.state = state;
  }

  async function start() {
    mark('launching');
    let response;
    try {
      response = await fetch('/api/runtime/launch', {
        method: 'POST',
        credentials: lti ? 'omit' : 'same-origin',
        headers: authHeaders(lti ? { 'content-type': 'application/json', accept: 'application/json' } : {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-csrf-token': root.dataset.csrf,
        }),
        body: JSON.stringify({ package: Number(root.dataset.package), item: root.dataset.item || undefined }),
      });
    } catch (error) {
      mark('failed');
      say('Rampart could not be reached. Check your connection and reload the page.');
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      mark('failed');
      say(answer.message || 'The activity could not be opened.');
      return;
    }
    launch = answer;
    if (lti && launch.title) {
      // The LTI page is public and generic until the launch says which course this is.
      const heading = document.getElementById('player-title');
      if (heading) heading.textContent = launch.title;
      frame.title = launch.title;
      document.title = `${launch.title} – Rampart`;
    }
    acknowledged = launch.seq;
    root.dataset.acknowledged = String(acknowledged);
    frame.src = launch.launcher_url;
  }

  function body(isFinal) {
    return JSON.stringify({
      attempt: launch.attempt,
      item: launch.item,
      launch: launch.launch,
      seq: acknowledged,
      calls: pending,
      final: isFinal,
      token: launch.token,
    });
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // One request with everything not yet acknowledged: 'ok', 'retry' (network or server trouble) or
  // 'stop' (refused: nothing more will be sent from this page).
  async function post() {
    const count = pending.length;
    let response;
    try {
      response = await fetch(launch.commit_url, {
        method: 'POST',
        credentials: lti ? 'omit' : 'same-origin',
        headers: authHeaders({ 'content-type': 'application/json', accept: 'application/json' }),
        body: body(finalAsked),
      });
    } catch (error) {
      return 'retry';
    }
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      const done = Math.min(answer.acknowledged - acknowledged, count);
      if (done > 0) {
        pending = pending.slice(done);
        acknowledged += done;
        root.dataset.acknowledged = String(acknowledged);
      }
      if (answer.ended) finish(answer);
      return 'ok';
    }
    if (response.status >= 500 || response.status === 429) return 'retry';
    broken = true;
    mark('failed');
    clearInterval(timer);
    if (response.status === 422) {
      say(`Your last answer could not be saved (error ${answer.error_code}: ${answer.diagnostic}). Reload the page to carry on.`);
    } else if (response.status === 401) {
      say('Your session has ended. Sign in again in another tab, then reload this page.');
    } else {
      say(answer.message || 'This window can no longer save your progress. Reload the page.');
    }
    return 'stop';
  }

  // Sends what is pending, one request at a time, until nothing is left (or, when the launch is to end,
  // until the server says it has ended). Network trouble is retried with a growing pause.
  function send(isFinal) {
    if (isFinal) finalAsked = true;
    if (!launch || broken || ended) return Promise.resolve();
    if (inFlight) {
      again = true;
      return inFlight;
    }
    if (pending.length === 0 && !finalAsked) return Promise.resolve();
    inFlight = (async () => {
      let pause = 1000;
      do {
        again = false;
        const outcome = await post();
        if (outcome === 'retry') {
          await sleep(pause);
          pause = Math.min(pause * 2, 30000);
          again = true;
        }
      } while (again && !broken && !ended && (pending.length > 0 || finalAsked));
      inFlight = null;
    })();
    return inFlight;
  }

  // The session is over on the server: follow what the SCO asked for, if anything.
  function finish(answer) {
    ended = true;
    mark('ended');
    clearInterval(timer);
    const request = answer.nav_request && answer.nav_request.request;
    const go = (href) => { if (href) window.location.assign(href); };
    const link = (id) => {
      const element = document.getElementById(id);
      return element && element.tagName === 'A' ? element.href : null;
    };
    if (request === 'continue') return go(link('player-continue'));
    if (request === 'previous') return go(link('player-previous'));
    if ((request === 'choice' || request === 'jump') && answer.nav_request.target) {
      return go(itemHref(answer.nav_request.target));
    }
    if (request === 'exit-all' || request === 'suspend-all' || request === 'abandon-all') {
      if (lti) return say('You have left the course. Your progress is saved and your learning system has your result.');
      return go('/dashboard');
    }
    say('This activity has ended. Choose Continue or another part from the contents.');
    refreshOutline();
  }

  const itemHref = (id) =>
    lti
      ? `${root.dataset.itemBase}?item=${encodeURIComponent(id)}#${encodeURIComponent(launchToken)}`
      : `/learn/${root.dataset.package}?item=${encodeURIComponent(id)}`;

  // After an activity ends, statuses change and later parts may unlock: read the outline again
  // (`/api/player`, the page's own read-only server function) and update the contents and Continue.
  async function refreshOutline() {
    if (lti) return; // the LTI frame shows one activity and no contents
    let view;
    try {
      const query = `package_id=${encodeURIComponent(root.dataset.package)}&item=${encodeURIComponent(launch.item)}`;
      const response = await fetch(`/api/player?${query}`, { headers: { accept: 'application/json' } });
      if (!response.ok) return;
      view = await response.json();
    } catch (error) {
      return;
    }
    const toc = document.getElementById('player-toc');
    for (const entry of view.entries || []) {
      const line = [...toc.querySelectorAll('li[data-item]')].find((li) => li.dataset.item === entry.identifier);
      if (!line) continue;
      const status = line.querySelector('.toc-status');
      if (status) status.textContent = entry.status;
      const locked = line.querySelector('.toc-locked');
      if (locked && entry.launchable && entry.available) {
        const link = document.createElement('a');
        link.href = itemHref(entry.identifier);
        link.textContent = entry.title;
        locked.nextElementSibling?.classList.contains('visually-hidden') && locked.nextElementSibling.remove();
        locked.replaceWith(link);
      }
    }
    const next = document.getElementById('player-continue');
    if (next && next.tagName === 'BUTTON' && view.next && view.next_available) {
      const link = document.createElement('a');
      link.id = 'player-continue';
      link.className = next.className;
      link.href = itemHref(view.next);
      link.textContent = 'Continue';
      next.replaceWith(link);
    }
  }

  window.addEventListener('message', (event) => {
    if (!launch || event.origin !== launch.content_origin || event.source !== frame.contentWindow) return;
    const message = event.data;
    if (!message || typeof message !== 'object') return;
    switch (message.type) {
      case 'rampart:ready':
        frame.contentWindow.postMessage({
          type: 'rampart:launch',
          launch: {
            version: launch.version,
            context: launch.context,
            data: launch.data,
            content_url: launch.content_url,
            title: launch.title,
          },
        }, launch.content_origin);
        break;
      case 'rampart:started':
        say('');
        mark('running');
        timer = setInterval(() => send(false), EVERY_MS);
        break;
      case 'rampart:calls':
        if (Array.isArray(message.calls)) pending.push(...message.calls);
        if (message.reason === 'terminate') send(true);
        else if (message.reason === 'commit') send(false);
        break;
      case 'rampart:unloaded':
        if (unloadWaiter) unloadWaiter();
        break;
      case 'rampart:error':
        console.error('course launcher:', message.message);
        mark('failed');
        say('The course could not be started. Reload the page to try again.');
        break;
      default:
        break;
    }
  });

  // Leaving through the page's own links: unload the SCO first (its unload handlers often finish the
  // session), store the last calls, then go.
  async function leave(href) {
    if (launch && !ended && !broken && frame.contentWindow) {
      say('Saving your progress…');
      await new Promise((resolve) => {
        unloadWaiter = resolve;
        frame.contentWindow.postMessage({ type: 'rampart:unload' }, launch.content_origin);
        setTimeout(resolve, 1500);
      });
      await Promise.race([send(true), sleep(4000)]);
    }
    window.location.assign(href);
  }

  document.addEventListener('click', (event) => {
    const anchor = event.target.closest && event.target.closest('a[href]');
    if (!anchor || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey || anchor.target === '_blank') return;
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin) return;
    event.preventDefault();
    leave(url.href);
  });

  // The page is hidden or going away: send what is left without waiting for an answer. A page kept in
  // the back/forward cache is not finished (it is reloaded when shown again).
  function beacon(isFinal) {
    if (!launch || broken || ended) return;
    if (pending.length === 0 && !isFinal) return;
    const payload = body(isFinal);
    let sent = false;
    // A beacon cannot carry the bearer token, so LTI frames use a keepalive fetch.
    if (navigator.sendBeacon && !lti) {
      sent = navigator.sendBeacon(launch.commit_url, new Blob([payload], { type: 'text/plain' }));
    }
    if (!sent) {
      fetch(launch.commit_url, {
        method: 'POST',
        keepalive: true,
        credentials: lti ? 'omit' : 'same-origin',
        headers: authHeaders({ 'content-type': 'text/plain' }),
        body: payload,
      }).catch(() => {});
    }
    if (isFinal) ended = true;
  }
  window.addEventListener('pagehide', (event) => beacon(!event.persisted));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') beacon(false);
  });
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) window.location.reload();
  });

  start();
})();
