// Upload a file to a dataset with a progress bar, then follow the contribution's job until
// its validation report is ready. Without this script the form posts normally.
import { pageData } from '/static/app.js';

const data = pageData('upload-data');
const form = document.getElementById('upload-form');
const input = document.getElementById('file');
const box = document.getElementById('upload-progress');
const bar = document.getElementById('upload-bar');
const label = document.getElementById('upload-label');
const status = document.getElementById('upload-status');

function show(fraction, labelText, message) {
  box.hidden = false;
  bar.value = Math.round(fraction * 100);
  bar.textContent = `${bar.value}%`;
  label.textContent = `${labelText}: ${bar.value}%`;
  status.textContent = message;
}

function fail(message) {
  box.hidden = false;
  status.className = 'govuk-error-message';
  status.textContent = message;
}

function finished(job) {
  const result = job.result || {};
  show(1, 'Checked', `${result.rows_in} rows in, ${result.rows_accepted} accepted, `
    + `${result.rows_quarantined} quarantined.`);
  if (result.report_url) {
    const link = document.createElement('a');
    link.className = 'govuk-link';
    link.href = result.report_url;
    link.id = 'report-link';
    link.textContent = `Read the validation report for version ${result.version}`;
    const paragraph = document.createElement('p');
    paragraph.className = 'govuk-body';
    paragraph.appendChild(link);
    box.appendChild(paragraph);
  }
}

async function follow(statusUrl) {
  for (;;) {
    const response = await fetch(statusUrl, { headers: { Accept: 'application/json' } });
    const job = await response.json();
    if (!response.ok) return fail(job.error || 'The upload\'s progress cannot be read.');
    if (job.status === 'done') return finished(job);
    if (job.status === 'failed') return fail((job.error && job.error.message) || job.message);
    show(job.progress, 'Checking', `${job.message}…`);
    await new Promise((resolve) => { setTimeout(resolve, 1000); });
  }
}

if (data && form && window.XMLHttpRequest) {
  form.addEventListener('submit', (event) => {
    if (!input.files.length) return; // the server explains, in the error summary
    event.preventDefault();
    status.className = 'govuk-body';
    const body = new FormData();
    body.append('file', input.files[0]);
    const request = new XMLHttpRequest();
    request.open('POST', data.action);
    request.setRequestHeader('X-CSRF-Token', data.csrf);
    request.setRequestHeader('Accept', 'application/json');
    request.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) show(e.loaded / e.total, 'Uploading', `${e.loaded} of ${e.total} bytes sent`);
    });
    request.addEventListener('load', () => {
      let answer = {};
      try { answer = JSON.parse(request.responseText); } catch { answer = {}; }
      if (request.status !== 202) return fail(answer.error || 'The upload was refused.');
      show(0, 'Checking', 'Uploaded; checking the file against the dataset\'s contract…');
      return follow(answer.status_url);
    });
    request.addEventListener('error', () => fail('The upload failed: check your connection and try again.'));
    show(0, 'Uploading', 'Starting the upload…');
    request.send(body);
  });
}
