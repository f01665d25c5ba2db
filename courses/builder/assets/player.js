// Rampart course player: one SCO per module, SCORM 1.2 or 2004 (from the embedded course data).
// Pages one at a time, knowledge checks, branching scenarios and the final assessment; reports
// location, suspend_data, progress, interactions, score and status to the LMS, and resumes from them.
// Without an LMS it still works, and says that nothing is recorded. No network, no timers.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('course-data').textContent);
  var is12 = D.format === 'scorm12';
  var E = is12 ? {
    api: 'API', init: 'LMSInitialize', fin: 'LMSFinish', get: 'LMSGetValue', set: 'LMSSetValue',
    commit: 'LMSCommit', loc: 'cmi.core.lesson_location', entry: 'cmi.core.entry', exit: 'cmi.core.exit',
    time: 'cmi.core.session_time', learner: 'cmi.core.student_id', mode: 'cmi.core.lesson_mode',
    score: 'cmi.core.score.', response: 'student_response', wrong: 'wrong', when: 'time', sep: ',', normal: ''
  } : {
    api: 'API_1484_11', init: 'Initialize', fin: 'Terminate', get: 'GetValue', set: 'SetValue',
    commit: 'Commit', loc: 'cmi.location', entry: 'cmi.entry', exit: 'cmi.exit', time: 'cmi.session_time',
    learner: 'cmi.learner_id', mode: 'cmi.mode', score: 'cmi.score.', response: 'learner_response',
    wrong: 'incorrect', when: 'timestamp', sep: '[,]', normal: 'normal'
  };
  var $ = function (id) { return document.getElementById(id); };
  var all = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  // ---- the LMS ----
  // The standard search: up the parent windows (at most 500), then the opener's.
  function scan(w) {
    for (var n = 0; w && n < 500; n++) {
      try { if (w[E.api]) return w[E.api]; } catch (e) { return null; }
      if (!w.parent || w.parent === w) return null;
      w = w.parent;
    }
    return null;
  }
  function findApi() {
    var api = scan(window);
    try { if (!api && window.opener) api = scan(window.opener); } catch (e) { /* other origin */ }
    try { if (!api && window.top.opener) api = scan(window.top.opener); } catch (e) { /* other origin */ }
    return api;
  }
  var api = findApi(), live = false, ended = false, started = Date.now();
  function call(name, a, b) {
    if (!live) return '';
    try { var r = api[name](a, b); return r === undefined || r === null ? '' : String(r); } catch (e) { return ''; }
  }
  function get(el) { return call(E.get, el); }
  function set(el, v) { return call(E.set, el, String(v)) === 'true'; }
  if (api) {
    try { live = String(api[E.init]('')) === 'true'; } catch (e) { live = false; }
  }

  function pad(n, w) { n = String(n); while (n.length < w) n = '0' + n; return n; }
  function sessionTime() {
    var cs = Math.round((Date.now() - started) / 10);
    var h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60, s = cs % 6000;
    var sec = Math.floor(s / 100) + '.' + pad(s % 100, 2);
    return is12 ? pad(h, 4) + ':' + pad(m, 2) + ':' + pad(sec, 5) : 'PT' + h + 'H' + m + 'M' + sec + 'S';
  }
  function stamp() {
    var d = new Date();
    return is12 ? pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' + pad(d.getSeconds(), 2)
      : d.toISOString().slice(0, 22) + 'Z';
  }

  // ---- state: what suspend_data holds ----
  // p: page index, v: pages seen ("0"/"1" each), c: check answers, s: scenario steps, a: attempt,
  // q: drawn bank indices, r: answers per drawn question, d: submitted, ok: passed, sc: last score.
  var pages = all('.page'), ids = pages.map(function (p) { return p.getAttribute('data-page'); });
  var S = { p: 0, v: '', c: {}, s: {}, a: 1, q: null, r: [], d: 0, ok: 0 };
  var review = false, learner = '';
  if (live) {
    learner = get(E.learner);
    review = get(E.mode) === 'review' || get(E.mode) === 'browse';
    if (get(E.entry) === 'resume') {
      try {
        var saved = JSON.parse(get('cmi.suspend_data') || '{}');
        for (var k in saved) if (Object.prototype.hasOwnProperty.call(S, k)) S[k] = saved[k];
      } catch (e) { /* unreadable: start afresh */ }
      var at = ids.indexOf(get(E.loc));
      if (at >= 0) S.p = at;
    }
    if (is12 && /^(passed|completed)$/.test(get('cmi.core.lesson_status'))) S.ok = 1;
  } else {
    var notice = $('lms-notice');
    notice.textContent = 'This module is not connected to a learning management system, so your progress and ' +
      'results are not recorded. You can still read every page and try every question.';
    notice.hidden = false;
  }
  while (S.v.length < pages.length) S.v += '0';
  S.p = Math.min(Math.max(0, S.p | 0), pages.length - 1);

  // Pages seen count for up to 0.9; passing the assessment makes it 1.
  function progress() {
    return S.ok ? 1 : Math.round(90 * (S.v.split('1').length - 1) / pages.length) / 100;
  }
  function save() {
    if (!live || ended) return;
    set('cmi.suspend_data', JSON.stringify(S));
    set(E.loc, ids[S.p]);
    if (!is12 && !review) set('cmi.progress_measure', progress());
    set(E.time, sessionTime());
    call(E.commit, '');
  }
  if (live && !review) {
    if (is12) {
      if (/^(not attempted|)$/.test(get('cmi.core.lesson_status'))) set('cmi.core.lesson_status', 'incomplete');
    } else if (!S.ok) {
      set('cmi.completion_status', 'incomplete');
    }
    set(E.exit, S.ok ? E.normal : 'suspend');
  }

  // ---- pages ----
  var list = all('#page-list a');
  function show(i, focus) {
    S.p = i;
    S.v = S.v.slice(0, i) + '1' + S.v.slice(i + 1);
    pages.forEach(function (p, j) { p.hidden = j !== i; });
    list.forEach(function (a, j) {
      if (j === i) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    $('prev-page').disabled = i === 0;
    $('next-page').disabled = i === pages.length - 1;
    $('page-status').textContent = 'Page ' + (i + 1) + ' of ' + pages.length;
    var h = pages[i].querySelector('h1');
    document.title = (h ? h.textContent + ' – ' : '') + D.title;
    if (focus) { window.scrollTo(0, 0); if (h) h.focus(); }
    save();
  }
  $('prev-page').addEventListener('click', function () { if (S.p > 0) show(S.p - 1, true); });
  $('next-page').addEventListener('click', function () { if (S.p < pages.length - 1) show(S.p + 1, true); });
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[data-page-link]');
    if (!a) return;
    var i = ids.indexOf(a.getAttribute('data-page-link'));
    if (i >= 0) { e.preventDefault(); show(i, true); }
  });

  // ---- knowledge checks ----
  function picked(name) {
    return all('input[name="' + name + '"]').filter(function (x) { return x.checked; })
      .map(function (x) { return +x.value; });
  }
  function rightOnes(q) {
    return q.options.map(function (o, k) { return o.c ? k : -1; }).filter(function (k) { return k >= 0; });
  }
  function same(a, b) { return a.length === b.length && a.every(function (x) { return b.indexOf(x) >= 0; }); }
  function tick(name, chosen) {
    all('input[name="' + name + '"]').forEach(function (x) { x.checked = chosen.indexOf(+x.value) >= 0; });
  }
  function checkFeedback(i, chosen) {
    var q = D.checks[i], ok = same(chosen, rightOnes(q)), box = $('c' + i + '-feedback');
    box.className = 'feedback ' + (ok ? 'good' : 'bad');
    box.innerHTML = '<p class="verdict">' + (ok ? 'Correct.' : q.multi ? 'Not quite: choose every answer that applies.'
      : 'Not the best answer.') + '</p>' +
      chosen.map(function (k) { return '<div class="said">' + q.options[k].f + '</div>'; }).join('');
  }
  all('form.check').forEach(function (f) {
    var i = +f.getAttribute('data-check'), name = 'c' + i;
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      var chosen = picked(name);
      if (!chosen.length) {
        var box = $(name + '-feedback');
        box.className = 'feedback';
        box.innerHTML = '<p class="verdict">Choose an answer first.</p>';
        return;
      }
      S.c[i] = chosen;
      checkFeedback(i, chosen);
      save();
    });
    if (S.c[i]) { tick(name, S.c[i]); checkFeedback(i, S.c[i]); }
  });

  // ---- scenarios ----
  all('.scenario').forEach(function (sc) {
    var i = +sc.getAttribute('data-scenario'), steps = all('.step', sc), start = +sc.getAttribute('data-start');
    function go(k, focus, said) {
      steps.forEach(function (st, j) { st.hidden = j !== k; });
      var chosen = steps[k].querySelector('.chosen');
      chosen.hidden = !said;
      chosen.textContent = said ? 'You chose: ' + said : '';
      if (focus) steps[k].focus();
    }
    sc.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('button');
      if (!b) return;
      if (b.hasAttribute('data-next')) { S.s[i] = +b.getAttribute('data-next'); go(S.s[i], true, b.textContent); }
      else if (b.classList.contains('restart')) { delete S.s[i]; go(start, true); }
      else return;
      save();
    });
    go(S.s[i] >= 0 && S.s[i] < steps.length ? S.s[i] : start, false);
  });

  // ---- the final assessment ----
  var A = D.assessment, bank = D.bank, box = $('assessment');
  // A deterministic draw from module, learner and attempt, so a resumed attempt shows the same questions.
  function draw(attempt) {
    var h = 2166136261, text = D.id + '|' + learner + '|' + attempt;
    for (var c = 0; c < text.length; c++) { h ^= text.charCodeAt(c); h = Math.imul(h, 16777619); }
    var rand = function () {
      h = h + 0x6D2B79F5 | 0;
      var t = Math.imul(h ^ h >>> 15, 1 | h);
      t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t;
      return ((t ^ t >>> 14) >>> 0) / 4294967296;
    };
    var order = bank.map(function (q, k) { return k; });
    for (var k = order.length - 1; k > 0; k--) {
      var j = Math.floor(rand() * (k + 1)), x = order[k]; order[k] = order[j]; order[j] = x;
    }
    return order.slice(0, A.n);
  }
  if (!S.q || !S.q.every(function (k) { return bank[k]; })) { S.q = draw(S.a); S.r = []; S.d = 0; }
  var needed = Math.ceil(A.pass * S.q.length - 1e-9);

  function renderAssessment() {
    var h = '<form id="assessment-form" novalidate>';
    S.q.forEach(function (b, n) {
      var q = bank[b], name = 'aq' + n, type = q.multi ? 'checkbox' : 'radio';
      h += '<fieldset class="question" id="' + name + '" data-question="' + q.id + '" aria-describedby="' +
        name + '-hint"><legend><span class="kicker">Question ' + (n + 1) + ' of ' + S.q.length + '</span> ' +
        q.text + '</legend><p class="hint" id="' + name + '-hint">' +
        (q.multi ? 'Choose all that apply.' : 'Choose one answer.') + '</p><p class="verdict" id="' + name +
        '-verdict" hidden></p>';
      q.options.forEach(function (o, k) {
        var id = name + '-o' + k;
        h += '<div class="option"><input type="' + type + '" id="' + id + '" name="' + name + '" value="' + k +
          '"><label for="' + id + '">' + o.t + '</label><div class="said" id="' + id + '-feedback" hidden></div></div>';
      });
      h += '</fieldset>';
    });
    h += '<p class="error" id="assessment-error" hidden></p>' +
      '<button type="submit" class="button" id="assessment-submit">Submit answers</button></form>' +
      '<div class="result" id="assessment-result" tabindex="-1" aria-live="polite"></div>' +
      '<button type="button" class="button" id="assessment-retry" hidden>Try again with new questions</button>';
    box.innerHTML = h;
    S.q.forEach(function (b, n) { if (S.r[n]) tick('aq' + n, S.r[n]); });
    $('assessment-form').addEventListener('change', function (e) {
      var n = +e.target.name.slice(2);
      if (S.d || isNaN(n)) return;
      S.r[n] = picked('aq' + n);
      save();
    });
    $('assessment-form').addEventListener('submit', submit);
    $('assessment-retry').addEventListener('click', retry);
    if (S.d) mark(false);
  }

  function submit(e) {
    e.preventDefault();
    if (S.d) return;
    var answers = S.q.map(function (b, n) { return picked('aq' + n); });
    var missing = answers.findIndex(function (a) { return !a.length; });
    var error = $('assessment-error');
    if (missing >= 0) {
      error.textContent = 'Answer question ' + (missing + 1) + ' before you submit.';
      error.hidden = false;
      $('aq' + missing + '-o0').focus();
      return;
    }
    error.hidden = true;
    S.r = answers;
    S.d = 1;
    mark(true);
  }

  // Shows feedback and the result; `report` also tells the LMS (once per attempt).
  function mark(report) {
    var right = 0;
    S.q.forEach(function (b, n) {
      var q = bank[b], name = 'aq' + n, want = rightOnes(q), chosen = S.r[n] || [], ok = same(chosen, want);
      if (ok) right++;
      q.options.forEach(function (o, k) {
        var fb = $(name + '-o' + k + '-feedback'), mine = chosen.indexOf(k) >= 0;
        $(name + '-o' + k).disabled = true;
        if (mine || o.c) {
          fb.hidden = false;
          fb.innerHTML = (mine ? '<p class="tag">Your answer' + (o.c ? ': right' : ': not right') + '</p>'
            : '<p class="tag">A right answer</p>') + o.f;
          fb.className = 'said ' + (o.c ? 'good' : 'bad');
        }
      });
      var v = $(name + '-verdict');
      v.hidden = false;
      v.textContent = ok ? 'Correct.' : 'Not correct.';
      v.className = 'verdict ' + (ok ? 'good' : 'bad');
      if (report) record(n, q, chosen, want, ok);
    });
    var total = S.q.length, raw = Math.round(10000 * right / total) / 100, passed = right >= needed;
    $('assessment-submit').hidden = true;
    if (report) {
      S.sc = raw;
      if (passed) S.ok = 1;
      if (live && !review && (passed || !S.ok)) { // never turn a pass into a fail
        set(E.score + 'min', 0);
        set(E.score + 'max', 100);
        set(E.score + 'raw', raw);
        if (is12) set('cmi.core.lesson_status', passed ? 'passed' : 'failed');
        else {
          set('cmi.score.scaled', Math.round(10000 * right / total) / 10000);
          set('cmi.success_status', passed ? 'passed' : 'failed');
          set('cmi.completion_status', passed ? 'completed' : 'incomplete');
        }
        set(E.exit, S.ok ? E.normal : 'suspend');
      }
      save();
    }
    var res = $('assessment-result');
    res.className = 'result ' + (passed ? 'good' : 'bad');
    res.innerHTML = '<h2>' + (passed ? 'You passed' : 'You did not pass this time') + '</h2><p>You got ' + right +
      ' of ' + total + ' right (' + Math.round(raw) + '%); ' + needed + ' were needed.</p><p>' +
      (passed ? 'Well done. Select Finish to close the module.'
        : A.retry ? 'Read the feedback on each answer, then try again with a new set of questions.'
          : 'Read the feedback on each answer, and speak to your training lead about retaking the module.') + '</p>';
    $('assessment-retry').hidden = passed || !A.retry;
    if (report) res.focus();
  }

  function record(n, q, chosen, want, ok) {
    if (!live || review) return;
    var i = +get('cmi.interactions._count') || 0, p = 'cmi.interactions.' + i + '.';
    var ids = function (list) { return list.map(function (k) { return String.fromCharCode(97 + k); }).join(E.sep); };
    set(p + 'id', q.id);
    set(p + 'type', 'choice');
    if (!is12) {
      var t = document.createElement('div');
      t.innerHTML = q.text;
      set(p + 'description', t.textContent.replace(/\s+/g, ' ').trim().slice(0, 250));
    }
    set(p + 'correct_responses.0.pattern', ids(want));
    set(p + E.response, ids(chosen));
    set(p + 'result', ok ? 'correct' : E.wrong);
    set(p + 'weighting', 1);
    set(p + E.when, stamp());
  }

  function retry() {
    S.a++;
    S.q = draw(S.a);
    S.r = [];
    S.d = 0;
    save();
    renderAssessment();
    $('assessment-result').textContent = 'Attempt ' + S.a + ': a new set of questions.';
    $('aq0').querySelector('input').focus();
  }

  // ---- finishing ----
  function end() {
    if (!live || ended) return;
    save();
    if (!review) set(E.exit, S.ok ? E.normal : 'suspend');
    set(E.time, sessionTime());
    call(E.commit, '');
    ended = true;
    call(E.fin, '');
  }
  $('finish').addEventListener('click', function () {
    var status = $('finish-status');
    if (!live) { status.textContent = 'Nothing was recorded: no learning management system is connected.'; return; }
    if (ended) return;
    end();
    $('finish').disabled = true;
    status.textContent = S.ok ? 'Your result is recorded. You can close this module now.'
      : 'Your progress is saved. You can come back and carry on where you left off.';
  });
  window.addEventListener('pagehide', end);

  renderAssessment();
  document.querySelector('.pager').hidden = false;
  document.querySelector('.finish').hidden = false;
  show(S.p, false);
})();
