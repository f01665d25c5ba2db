// The SCO launcher (content origin). Holds the SCORM API that SCOs find by walking up their parent
// windows: `window.API` (SCORM 1.2) or `window.API_1484_11` (SCORM 2004), answered synchronously by the
// Rampart run-time compiled to wasm. Frames the SCO from this same origin. Holds no engine credential:
// it talks only to the engine's player page by postMessage, with the exact origin checked both ways.
//
// Messages (all objects with a `type`):
//   player → launcher  rampart:launch   {launch: {version, context, data, content_url, title}}
//                      rampart:unload   (unload the SCO, then answer rampart:unloaded)
//   launcher → player  rampart:ready    (the launcher is listening)
//                      rampart:started  {entry} (the SCO frame is loading)
//                      rampart:calls    {calls: [runtime::Call], reason: set|commit|terminate|unload}
//                      rampart:unloaded {terminated}
//                      rampart:error    {message}
import init, { ScormSession } from '/__rampart/runtime.js';

const engineOrigin = document.querySelector('meta[name="rampart-engine-origin"]').content;
const status = document.getElementById('status');
let session = null;
let frame = null;
let flushQueued = false;
let terminated = false;

function post(message) {
  window.parent.postMessage(message, engineOrigin);
}

// Sends every accepted call not sent yet. After SetValue this waits for the SCO's current script to
// finish (one message per burst); Commit, Terminate and unloading send at once.
function flush(reason) {
  flushQueued = false;
  if (!session) return;
  const calls = JSON.parse(session.journal());
  if (calls.length === 0 && reason === 'set') return;
  session.acknowledge(calls.length);
  post({ type: 'rampart:calls', calls, reason });
}

function queueFlush() {
  if (flushQueued) return;
  flushQueued = true;
  queueMicrotask(() => flush('set'));
}

// SCORM passes strings; tolerate SCOs that pass numbers or nothing.
function text(value) {
  return value === undefined || value === null ? '' : String(value);
}

function makeApi(names) {
  const api = {};
  api[names.initialize] = (arg) => session.initialize(text(arg));
  api[names.terminate] = (arg) => {
    const result = session.terminate(text(arg));
    if (result === 'true') {
      terminated = true;
      flush('terminate');
    }
    return result;
  };
  api[names.getValue] = (element) => session.get_value(text(element));
  api[names.setValue] = (element, value) => {
    const result = session.set_value(text(element), text(value));
    if (result === 'true') queueFlush();
    return result;
  };
  api[names.commit] = (arg) => {
    const result = session.commit(text(arg));
    if (result === 'true') flush('commit');
    return result;
  };
  api[names.getLastError] = () => session.get_last_error();
  api[names.getErrorString] = (code) => session.get_error_string(text(code));
  api[names.getDiagnostic] = (code) => session.get_diagnostic(text(code));
  return Object.freeze(api);
}

const SCORM_12 = {
  initialize: 'LMSInitialize', terminate: 'LMSFinish', getValue: 'LMSGetValue', setValue: 'LMSSetValue',
  commit: 'LMSCommit', getLastError: 'LMSGetLastError', getErrorString: 'LMSGetErrorString',
  getDiagnostic: 'LMSGetDiagnostic',
};
const SCORM_2004 = {
  initialize: 'Initialize', terminate: 'Terminate', getValue: 'GetValue', setValue: 'SetValue',
  commit: 'Commit', getLastError: 'GetLastError', getErrorString: 'GetErrorString',
  getDiagnostic: 'GetDiagnostic',
};

function start(launch) {
  if (session) return; // one launch per launcher page
  session = new ScormSession({ version: launch.version, context: launch.context, data: launch.data });
  // Only the API of the package's version: dual-mode SCOs must not pick the other data model.
  if (launch.version === 'scorm12') {
    window.API = makeApi(SCORM_12);
  } else {
    window.API_1484_11 = makeApi(SCORM_2004);
  }
  document.title = launch.title || 'Course';
  frame = document.createElement('iframe');
  frame.id = 'sco';
  frame.title = launch.title || 'Course content';
  frame.allow = 'fullscreen; autoplay';
  frame.src = launch.content_url;
  status.textContent = '';
  document.body.append(frame);
  post({ type: 'rampart:started', entry: session.entry() });
}

// Unloading the SCO runs its unload handlers, which often call Terminate/LMSFinish; whatever they
// journal goes to the player before it is told the SCO is gone.
function unload() {
  if (frame) {
    frame.remove();
    frame = null;
  }
  setTimeout(() => {
    flush('unload');
    post({ type: 'rampart:unloaded', terminated });
  }, 0);
}

window.addEventListener('message', (event) => {
  if (event.origin !== engineOrigin || event.source !== window.parent) return;
  const message = event.data;
  if (!message || typeof message !== 'object') return;
  if (message.type === 'rampart:launch') {
    try {
      start(message.launch);
    } catch (error) {
      status.textContent = 'The course could not be started.';
      post({ type: 'rampart:error', message: String(error) });
    }
  } else if (message.type === 'rampart:unload') {
    unload();
  }
});

// Best effort when the whole tab goes away: the player may still be listening.
window.addEventListener('pagehide', () => flush('unload'));

init({ module_or_path: '/__rampart/runtime_bg.wasm' }).then(
  () => post({ type: 'rampart:ready' }),
  (error) => {
    status.textContent = 'The course player could not be loaded. Reload the page to try again.';
    post({ type: 'rampart:error', message: String(error) });
  },
);
