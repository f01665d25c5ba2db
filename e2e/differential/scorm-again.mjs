// Runs SCORM API call sequences through the npm package `scorm-again`, for the differential test of our
// runtime (engine/runtime/tests/differential.rs).
//
// stdin: a JSON list of sequences
//   {version: "scorm12" | "scorm2004", learner_id, learner_name, calls: [[method, arg1, arg2?], …]}
// stdout: a JSON list, per sequence, of the results of its calls: [{ret, err}, …], where `ret` is what the
// API method returned and `err` is GetLastError() right after it (GetLastError changes no state). A call
// that throws a JavaScript exception gets {ret: null, err: null, exception: "…"}.
//
// Each sequence runs on a fresh API instance set up as a plain LMS would set it up for a learner's first
// launch: no commit URL (scorm-again then makes no network request), no autocommit timer, no logging,
// the learner's id and name, cmi.entry "ab-initio" and (1.2) cmi.core.credit "credit": scorm-again
// leaves these launch values to the LMS, as our runtime takes them from its LaunchContext.

import { Scorm12API, Scorm2004API } from "scorm-again";

const SETTINGS = {
  autocommit: false,
  lmsCommitUrl: false,
  logLevel: 5, // NONE
  uninitializedGetLogLevel: 5,
  useAsynchronousCommits: false,
  enableOfflineSupport: false,
  // Keep the status the SCO set: an LMS does not rewrite it at Terminate (the 1.2 rules are tested apart).
  autoCompleteLessonStatus: false,
  onLogMessage: () => {},
};

function makeApi(sequence) {
  if (sequence.version === "scorm12") {
    const api = new Scorm12API({ ...SETTINGS });
    api.cmi.core.student_id = sequence.learner_id;
    api.cmi.core.student_name = sequence.learner_name;
    api.cmi.core.entry = "ab-initio";
    api.cmi.core.credit = "credit";
    return api;
  }
  if (sequence.version === "scorm2004") {
    const api = new Scorm2004API({ ...SETTINGS });
    api.cmi.learner_id = sequence.learner_id;
    api.cmi.learner_name = sequence.learner_name;
    api.cmi.entry = "ab-initio";
    return api;
  }
  throw new Error(`unknown version ${sequence.version}`);
}

const METHODS_12 = new Set([
  "LMSInitialize",
  "LMSFinish",
  "LMSGetValue",
  "LMSSetValue",
  "LMSCommit",
  "LMSGetLastError",
  "LMSGetErrorString",
  "LMSGetDiagnostic",
]);
const METHODS_2004 = new Set([
  "Initialize",
  "Terminate",
  "GetValue",
  "SetValue",
  "Commit",
  "GetLastError",
  "GetErrorString",
  "GetDiagnostic",
]);

function lastError(api, version) {
  return version === "scorm12" ? api.LMSGetLastError() : api.GetLastError();
}

// SCORM answers are strings; anything else is shown with its type so that a comparison sees it.
function describe(value) {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return `<${value}>`;
  if (typeof value === "object") return `<object ${value.constructor?.name ?? "Object"}>`;
  return `<${typeof value} ${String(value)}>`;
}

function run(sequence) {
  const api = makeApi(sequence);
  const methods = sequence.version === "scorm12" ? METHODS_12 : METHODS_2004;
  return sequence.calls.map(([method, ...args]) => {
    if (!methods.has(method)) {
      throw new Error(`${method} is not a ${sequence.version} API method`);
    }
    try {
      const ret = api[method](...args);
      return { ret: describe(ret), err: describe(lastError(api, sequence.version)) };
    } catch (error) {
      return { ret: null, err: null, exception: String(error?.stack ?? error) };
    }
  });
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

// scorm-again reports some problems with console calls regardless of logLevel: keep stdout for the JSON.
for (const name of ["log", "info", "warn", "error", "debug", "trace"]) {
  console[name] = () => {};
}

const sequences = JSON.parse(await readStdin());
const results = sequences.map(run);
// Writes to a pipe are asynchronous: exit only once the output is flushed (no timers should be left, but
// do not let one keep the process alive).
process.stdout.write(JSON.stringify(results) + "\n", () => process.exit(0));
