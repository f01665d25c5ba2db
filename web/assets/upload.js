// Progressive enhancement for the package upload form: a real progress bar while the file travels, then
// the validation report in place. Without JavaScript the form still posts and the server answers with a
// page. No request timeout is set, so large packages on slow links finish.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('upload-form');
  if (!form) return;
  const progress = document.getElementById('upload-progress');
  const status = document.getElementById('upload-status');
  const report = document.getElementById('upload-report');
  const button = form.querySelector('button[type="submit"]');

  function showReport(title, diagnostics) {
    report.replaceChildren();
    const heading = document.createElement('h2');
    heading.textContent = title;
    const list = document.createElement('ul');
    for (const d of diagnostics) {
      const item = document.createElement('li');
      const where = d.position ? `${d.file}:${d.position.line}:${d.position.column}` : d.file;
      item.textContent = `${where}: ${d.severity}: ${d.message}${d.help ? ` (${d.help})` : ''}`;
      list.append(item);
    }
    report.append(heading, list);
    report.hidden = false;
    report.focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.round((e.loaded * 100) / e.total);
      progress.hidden = false;
      progress.value = percent;
      status.textContent = `Uploading: ${percent}% of ${(e.total / 1e6).toFixed(1)} MB`;
    });
    xhr.upload.addEventListener('load', () => {
      progress.value = 100;
      status.textContent = 'Uploaded. Checking and storing the package…';
    });
    xhr.addEventListener('load', () => {
      button.disabled = false;
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch { /* not JSON: handled below */ }
      if (xhr.status === 200 && answer.redirect) {
        window.location.assign(answer.redirect);
      } else if (answer.report) {
        status.textContent = 'The package was not imported.';
        showReport('The package has problems that must be fixed', answer.report.diagnostics);
      } else {
        status.textContent = answer.error || `The upload failed (${xhr.status}).`;
      }
    });
    xhr.addEventListener('error', () => {
      button.disabled = false;
      status.textContent = 'The connection was lost during the upload. Try again.';
    });
    button.disabled = true;
    report.hidden = true;
    status.textContent = 'Starting the upload…';
    xhr.send(new FormData(form));
  });
});
