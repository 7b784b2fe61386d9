// Coffer's page. Every action is one call to the local server, which calls the same vault
// operations as the CLI; the page decides nothing itself. Text from the vault is always set as
// textContent, never as HTML.
'use strict';

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

let secrets = [];
let sortKey = 'name';
let sortUp = true;

// --- talking to the server -------------------------------------------------------------------

// The API key arrives once in the address fragment (never sent to a server) and is kept in this
// tab's sessionStorage, which no other origin (another port included) can read. The session
// cookie alone only loads the page's files.
const SESSION = 'coffer-session';
if (location.hash.startsWith('#session=')) {
  sessionStorage.setItem(SESSION, location.hash.slice('#session='.length));
  history.replaceState(null, '', '/');
}

class ApiError extends Error {
  constructor(body, status) {
    super(body.error || `request failed (${status})`);
    this.hint = body.hint || '';
    this.body = body;
    this.status = status;
  }
}

// Requests in flight; the page is settled (for people and for tests) when this is 0.
window.cofferBusy = 0;

async function call(path, body) {
  window.cofferBusy += 1;
  try {
    return await send(path, body);
  } finally {
    // After the caller's own handling of this answer (which may start another request).
    setTimeout(() => {
      window.cofferBusy -= 1;
      if (window.cofferBusy === 0) document.dispatchEvent(new Event('coffer-settled'));
    }, 0);
  }
}

async function send(path, body) {
  const init = body === undefined
    ? { method: 'GET' }
    : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  init.credentials = 'same-origin';
  init.headers = Object.assign(init.headers || {}, { Authorization: `Bearer ${sessionStorage.getItem(SESSION) || ''}` });
  init.cache = 'no-store';
  const resp = await fetch(path, init);
  if (resp.status === 401) {
    throw new ApiError({ error: 'Signed out: the server was restarted or stopped, or this tab was not the one signed in.', hint: 'run `coffer ui` again and open the address it prints' }, 401);
  }
  const type = resp.headers.get('content-type') || '';
  if (!resp.ok) {
    const b = type.startsWith('application/json') ? await resp.json() : { error: await resp.text() };
    throw new ApiError(b, resp.status);
  }
  return resp;
}

async function json(path, body) {
  return (await call(path, body)).json();
}

function showError(box, e) {
  box.hidden = false;
  $('.msg', box).textContent = e.message;
  $('.hint', box).textContent = e.hint ? ` ${e.hint}` : '';
}

function clearError(box) {
  box.hidden = true;
  $('.msg', box).textContent = '';
  $('.hint', box).textContent = '';
}

function notice(text) {
  const n = $('#notice');
  n.textContent = text;
  n.hidden = !text;
}

const pageError = (e) => showError($('#error'), e);

// --- the vault table ---------------------------------------------------------------------------

async function load() {
  try {
    const [st, list] = await Promise.all([json('/api/status'), json('/api/secrets')]);
    secrets = list.secrets;
    $('#where').textContent = `${st.vault} · ${secrets.length} secret${secrets.length === 1 ? '' : 's'}`;
    fillEnvironments();
    render();
  } catch (e) {
    pageError(e);
  }
}

function fillEnvironments() {
  const sel = $('#env');
  const current = sel.value;
  const names = [...new Set(secrets.flatMap((s) => s.environments))].sort();
  sel.replaceChildren(new Option('Default', ''));
  for (const n of names) sel.append(new Option(n, n));
  sel.value = names.includes(current) ? current : '';
}

function sortValue(s, key) {
  const v = s[key];
  if (key === 'allowedDomains') return v.join(',');
  if (key === 'link') return v ? v.provider : '';
  if (key === 'enabled') return v ? 1 : 0;
  return v;
}

function render() {
  const filter = $('#filter').value.trim().toLowerCase();
  const env = $('#env').value;
  const rows = secrets
    .filter((s) => s.name.toLowerCase().includes(filter))
    .sort((a, b) => {
      const x = sortValue(a, sortKey);
      const y = sortValue(b, sortKey);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return sortUp ? c : -c;
    });
  const body = $('#rows');
  body.replaceChildren(...rows.map((s) => row(s, env)));
  $('#empty').hidden = secrets.length > 0;
  for (const b of $$('button.sort')) {
    const on = b.dataset.key === sortKey;
    b.closest('th').setAttribute('aria-sort', on ? (sortUp ? 'ascending' : 'descending') : 'none');
  }
}

function cell(text, cls) {
  const td = document.createElement('td');
  if (cls) td.className = cls;
  if (text !== undefined) td.textContent = text;
  return td;
}

function button(label, onClick, cls) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (cls) b.className = cls;
  b.addEventListener('click', onClick);
  return b;
}

function row(s, env) {
  const tr = document.createElement('tr');
  tr.dataset.name = s.name;
  const name = cell(s.name, 'name');
  if (env && s.environments.includes(env)) {
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = env;
    name.append(' ', tag);
  }
  tr.append(name);

  const value = cell(undefined, 'value');
  {
    const shown = document.createElement('span');
    shown.className = 'secret';
    shown.textContent = '••••••••';
    const reveal = button('Reveal', async () => {
      if (reveal.textContent === 'Hide') {
        shown.textContent = '••••••••';
        reveal.textContent = 'Reveal';
        return;
      }
      try {
        const r = await json('/api/secrets/reveal', { name: s.name, environment: env || null });
        shown.textContent = r.value;
        reveal.textContent = 'Hide';
        if (env && !r.environment) notice(`${s.name} has no value for ${env}: this is its default value.`);
      } catch (e) {
        pageError(e);
      }
    }, 'quiet small reveal');
    reveal.setAttribute('aria-label', `Reveal ${s.name}`);
    const copy = button('Copy', async () => {
      try {
        const r = await json('/api/secrets/reveal', { name: s.name, environment: env || null });
        await navigator.clipboard.writeText(r.value);
        notice(`Copied ${s.name} to the clipboard.`);
      } catch (e) {
        pageError(e instanceof ApiError ? e : new ApiError({ error: 'The clipboard refused the copy.', hint: 'reveal the value and copy it by hand' }, 0));
      }
    }, 'quiet small copy');
    copy.setAttribute('aria-label', `Copy ${s.name}`);
    value.append(shown, ' ', reveal, ' ', copy);
    if (s.link) {
      // Revealing fetches it from the external vault (or the cache): see Connections.
      const from = document.createElement('span');
      from.className = 'muted linked-from';
      from.textContent = ` from ${s.link.provider}`;
      value.append(from);
    }
  }
  tr.append(value);
  tr.append(cell(s.allowedDomains.length ? s.allowedDomains.join(', ') : 'any domain', s.allowedDomains.length ? 'domains' : 'domains muted'));
  tr.append(cell(s.link ? `${s.link.provider}` : '', 'link'));

  const en = cell(undefined, 'enabled');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.checked = s.enabled;
  box.setAttribute('aria-label', `${s.name} enabled`);
  box.addEventListener('change', async () => {
    try {
      await json('/api/secrets/enable', { name: s.name, enabled: box.checked });
      s.enabled = box.checked;
      notice(`${s.name} is ${box.checked ? 'enabled' : 'disabled: references to it do not resolve'}.`);
    } catch (e) {
      box.checked = !box.checked;
      pageError(e);
    }
  });
  en.append(box);
  tr.append(en);
  tr.append(cell(s.updatedAt.replace('T', ' ').replace('Z', ' UTC'), 'updated'));

  const act = cell(undefined, 'row-actions');
  const edit = button('Edit', () => openEdit(s, env), 'quiet small edit');
  edit.setAttribute('aria-label', `Edit ${s.name}`);
  const del = button('Delete', () => confirmThen(
    env && s.environments.includes(env) ? `Delete the ${env} value of ${s.name}?` : `Delete ${s.name}?`,
    env && s.environments.includes(env)
      ? 'The default value stays.'
      : 'The secret is removed from this vault; references to it stop resolving.',
    null,
    async () => {
      await json('/api/secrets/remove', { name: s.name, environment: env && s.environments.includes(env) ? env : null });
      notice(`Deleted ${s.name}.`);
      await load();
    }), 'quiet small danger delete');
  del.setAttribute('aria-label', `Delete ${s.name}`);
  act.append(edit, ' ', del);
  tr.append(act);
  return tr;
}

async function addSecret() {
  const name = $('#new-name');
  const value = $('#new-value');
  const domains = $('#new-domains');
  clearError($('#error'));
  try {
    if (secrets.some((s) => s.name === name.value.trim())) {
      throw new ApiError({ error: `a secret named ${name.value.trim()} exists`, hint: 'use Edit to change its value, or choose another name' }, 409);
    }
    await json('/api/secrets/save', {
      name: name.value.trim(),
      value: value.value,
      allowedDomains: domains.value.trim() === '' ? null : domains.value,
    });
    notice(`Added ${name.value.trim()}.`);
    name.value = '';
    value.value = '';
    domains.value = '';
    await load();
    name.focus();
  } catch (e) {
    pageError(e);
  }
}

// --- dialogs -----------------------------------------------------------------------------------

function openDialog(d) {
  for (const box of $$('.error', d)) clearError(box);
  d.showModal();
}

for (const b of $$('[data-close]')) {
  b.addEventListener('click', () => b.closest('dialog').close());
}

let editing = null;

function openEdit(s, env) {
  editing = { name: s.name, env: env && s.environments.includes(env) ? env : (env || null), newEnv: env && !s.environments.includes(env) };
  $('#edit-title').textContent = `Edit ${s.name}`;
  $('#edit-env-note').textContent = env
    ? (s.environments.includes(env) ? `The value for environment ${env}.` : `No value for ${env} yet: saving a value adds one (the default stays).`)
    : 'The default value.';
  $('#edit-value').value = '';
  $('#edit-domains').value = env ? '' : s.allowedDomains.join(', ');
  $('#edit-domains').placeholder = env ? 'unchanged' : 'any domain';
  $('#edit-inherit-label').hidden = !env;
  $('#edit-inherit').checked = false;
  openDialog($('#edit-dialog'));
  $('#edit-value').focus();
}

$('#edit-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const d = $('#edit-dialog');
  const box = $('.error', d);
  clearError(box);
  const value = $('#edit-value').value;
  const domains = $('#edit-domains').value;
  const inherit = !!editing.env && $('#edit-inherit').checked;
  // In an environment an empty field keeps that value's domains as they are.
  const keepDomains = !!editing.env && !inherit && domains.trim() === '';
  try {
    if (value !== '') {
      await json('/api/secrets/save', { name: editing.name, value, environment: editing.env, allowedDomains: keepDomains || inherit ? null : domains });
      if (inherit) await json('/api/secrets/domains', { name: editing.name, allowedDomains: '', environment: editing.env, inherit: true });
    } else if (editing.newEnv) {
      throw new ApiError({ error: 'enter a value for this environment', hint: 'an environment holds its own value' }, 422);
    } else if (!keepDomains) {
      await json('/api/secrets/domains', { name: editing.name, allowedDomains: domains, environment: editing.env, inherit });
    }
    d.close();
    notice(`Saved ${editing.name}.`);
    await load();
  } catch (e) {
    showError(box, e);
  }
});

let confirmAction = null;

function confirmThen(title, text, word, action) {
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-type-label').hidden = !word;
  $('#confirm-word').textContent = word || '';
  $('#confirm-type').value = '';
  confirmAction = { word, action };
  openDialog($('#confirm-dialog'));
}

$('#confirm-dialog form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const { word, action } = confirmAction;
  if (word && $('#confirm-type').value.trim() !== word) {
    $('#confirm-type').focus();
    return;
  }
  $('#confirm-dialog').close();
  try {
    await action();
  } catch (e) {
    pageError(e);
  }
});

$('#open-clear').addEventListener('click', () => confirmThen(
  'Clear the vault?',
  `All ${secrets.length} secrets will be removed. The vault and its key stay, and History can put them back.`,
  'clear',
  async () => {
    const r = await json('/api/clear', { confirm: true });
    notice(`Removed ${r.removed} secret${r.removed === 1 ? '' : 's'}.`);
    await load();
  }));

$('#show-key').addEventListener('click', async () => {
  try {
    const r = await json('/api/key', {});
    $('#key-text').textContent = r.key;
    openDialog($('#key-dialog'));
  } catch (e) {
    pageError(e);
  }
});
$('#key-copy').addEventListener('click', () => navigator.clipboard.writeText($('#key-text').textContent).then(() => notice('Copied the vault key.')));
$('#key-download').addEventListener('click', () => download(new Blob([`${$('#key-text').textContent}\n`], { type: 'text/plain' }), 'coffer-vault-key.txt'));
$('#key-dialog').addEventListener('close', () => { $('#key-text').textContent = ''; });

function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60000);
}

// --- export ------------------------------------------------------------------------------------

function exportFormat() {
  const r = $$('input[name=format]').find((x) => x.checked);
  return r ? r.value : 'encrypted';
}

function syncExport() {
  const plain = exportFormat() !== 'encrypted';
  $('#export-password').hidden = plain;
  $('#plain-ack').hidden = !plain;
  strength();
}

function strength() {
  const pw = $('#export-pw').value;
  const out = $('#strength');
  const chars = [...pw].length;
  if (chars === 0) {
    out.textContent = 'At least 12 characters. The same password opens the file on import.';
    return;
  }
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
  const words = pw.trim().split(/\s+/).length;
  let verdict;
  if (chars < 12) verdict = `Too short: ${chars} of at least 12 characters.`;
  else if (new Set(pw).size < 5) verdict = 'Weak: too few different characters.';
  else if (chars >= 20 || words >= 4 || (chars >= 14 && kinds >= 3)) verdict = 'Strong.';
  else verdict = 'Fair: a longer password or a passphrase of four or more words is stronger.';
  const confirm = $('#export-pw2').value;
  const match = confirm && confirm !== pw ? ' The confirmation differs.' : '';
  out.textContent = verdict + match;
}

$('#open-export').addEventListener('click', async () => {
  const d = $('#export-dialog');
  $('#export-pw').value = '';
  $('#export-pw2').value = '';
  $('#plain-ok').checked = false;
  for (const fmt of ['encrypted', 'plaintext']) {
    $(`#why-${fmt}`).hidden = true;
    $(`#why-${fmt}`).textContent = '';
  }
  $('#export-policy').hidden = true;
  openDialog(d);
  $('#export-go').disabled = true;
  try {
    const o = await json('/api/export/options');
    for (const fmt of ['encrypted', 'plaintext']) {
      const radio = $(`#fmt-${fmt}`);
      radio.disabled = !o[fmt].allowed;
      const why = $(`#why-${fmt}`);
      why.hidden = o[fmt].allowed;
      why.textContent = o[fmt].allowed ? '' : `${o[fmt].reason}. ${o[fmt].hint}`;
    }
    const team = o.encrypted.team || o.plaintext.team;
    const none = !o.encrypted.allowed && !o.plaintext.allowed;
    const policy = $('#export-policy');
    policy.hidden = !team && !none;
    policy.textContent = none ? `${o.encrypted.reason}. ${o.encrypted.hint}` : (team ? `Team ${team}'s policy applies.` : '');
    if (none) {
      // One reason, said once; nothing to fill in.
      $('#why-encrypted').hidden = true;
      $('#why-plaintext').hidden = true;
    }
    // .env and Postman files hold values in clear: the plaintext switch covers them.
    for (const other of ['dotenv', 'postman-env']) $(`#fmt-${other}`).disabled = !o.plaintext.allowed;
    $('#why-other').hidden = o.plaintext.allowed || none;
    $('#why-other').textContent = o.plaintext.allowed ? '' : 'The .env and Postman formats are unencrypted: the same policy applies.';
    if (!o.encrypted.allowed && o.plaintext.allowed) $('#fmt-plaintext').checked = true;
    if (o.encrypted.allowed) $('#fmt-encrypted').checked = true;
    $('#export-go').disabled = none;
    syncExport();
    if (!none && !$('#export-password').hidden) $('#export-pw').focus();
    if (none) {
      $('#export-password').hidden = true;
      $('#plain-ack').hidden = true;
    }
    return;
  } catch (e) {
    showError($('.error', d), e);
  }
  syncExport();
});

for (const r of $$('input[name=format]')) r.addEventListener('change', syncExport);
$('#export-pw').addEventListener('input', strength);
$('#export-pw2').addEventListener('input', strength);

$('#export-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const d = $('#export-dialog');
  const box = $('.error', d);
  clearError(box);
  const format = exportFormat();
  const body = { format };
  if (format === 'encrypted') {
    body.password = $('#export-pw').value;
    body.passwordConfirm = $('#export-pw2').value;
  } else {
    body.confirmPlaintext = $('#plain-ok').checked;
  }
  $('#export-go').disabled = true;
  try {
    const resp = await call('/api/export', body);
    const name = (resp.headers.get('content-disposition') || '').match(/filename="([^"]+)"/);
    const count = resp.headers.get('x-coffer-count');
    const linked = Number(resp.headers.get('x-coffer-linked') || '0');
    const leftOut = Number(resp.headers.get('x-coffer-left-out') || '0');
    const notes = (resp.headers.get('x-coffer-notes') || '').split('|').filter(Boolean).map(decodeURIComponent);
    download(await resp.blob(), name ? name[1] : 'coffer-vault.json');
    $('#export-pw').value = '';
    $('#export-pw2').value = '';
    d.close();
    notice([`Exported ${count} secret${count === '1' ? '' : 's'} (${format}).`]
      .concat(format !== 'encrypted' ? ['The file holds every value in clear: delete it when done.'] : [])
      .concat(linked ? [`${linked} linked secret${linked === 1 ? ' was' : 's were'} exported as links; after importing, re-authenticate with the external vault.`] : [])
      .concat(leftOut ? [`${leftOut} secret${leftOut === 1 ? ' was' : 's were'} left out (linked or disabled: the format holds values only); \`coffer export --format ${format}\` lists them.`] : [])
      .concat(notes)
      .join(' '));
  } catch (e) {
    showError(box, e);
  } finally {
    $('#export-go').disabled = false;
  }
});

// --- import ------------------------------------------------------------------------------------

let chosen = []; // { name, file }
let passwords = {};
let plan = null;

function resetImport() {
  chosen = [];
  passwords = {};
  plan = null;
  $('#chosen').replaceChildren();
  $('#paste').value = '';
  $('#link').value = '';
  $('#git-url').value = '';
  $('#git-ref').value = '';
  $('#git-path').value = '';
  $('#import-clear').checked = false;
  $('#import-from').value = '';
  $('#import-secret-type').checked = true;
  $('#import-notes').checked = false;
  $('#pw-box').hidden = true;
  $('#import-pw').value = '';
  importStep('sources');
}

function importStep(step) {
  $('#import-sources').hidden = step !== 'sources';
  $('#import-plan').hidden = step !== 'plan';
  $('#import-done').hidden = step !== 'done';
  $('#import-back').hidden = step !== 'plan';
  $('#import-go').textContent = step === 'sources' ? 'Review import' : step === 'plan' ? 'Import' : 'Done';
  $('#import-cancel').hidden = step === 'done';
}

// As `coffer import DIR`: from a folder, the .json, .csv, .1pux and dotenv files directly in it
// (not templates such as .env.example), in name order.
function importable(name) {
  const n = name.toLowerCase();
  const template = ['.example', '.sample', '.template', '.dist'].some((t) => n.endsWith(t));
  return n.endsWith('.json') || n.endsWith('.csv') || n.endsWith('.1pux')
    || (!template && (n === '.env' || n.startsWith('.env.') || n.endsWith('.env')));
}

function folderFiles(files) {
  return files
    .filter((f) => {
      const parts = (f.webkitRelativePath || f.relPath || f.name).split('/');
      return parts.length === 2 && importable(parts[1]);
    })
    .sort((a, b) => ((a.webkitRelativePath || a.relPath) < (b.webkitRelativePath || b.relPath) ? -1 : 1));
}

function addFiles(files) {
  for (const f of files) {
    const name = f.webkitRelativePath || f.relPath || f.name;
    if (chosen.some((c) => c.name === name)) continue;
    chosen.push({ name, file: f });
  }
  $('#chosen').replaceChildren(...chosen.map((c) => {
    const li = document.createElement('li');
    li.textContent = c.name;
    return li;
  }));
}

// A dropped folder arrives as a directory entry: read every file in it (and below).
async function entryFiles(entry, prefix) {
  if (entry.isFile) {
    const f = await new Promise((ok, fail) => entry.file(ok, fail));
    f.relPath = prefix + f.name;
    return [f];
  }
  if (!entry.isDirectory) return [];
  const reader = entry.createReader();
  const all = [];
  for (;;) {
    const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    all.push(...batch);
  }
  const out = [];
  for (const e of all) out.push(...await entryFiles(e, `${prefix}${entry.name}/`));
  return out;
}

const drop = $('#drop');
drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', async (ev) => {
  ev.preventDefault();
  drop.classList.remove('over');
  const dt = ev.dataTransfer;
  const entries = dt.items ? Array.from(dt.items).map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean) : [];
  if (entries.length) {
    const files = [];
    for (const e of entries) {
      const found = await entryFiles(e, '');
      files.push(...(e.isDirectory ? folderFiles(found) : found));
    }
    addFiles(files);
  } else {
    addFiles(Array.from(dt.files || []));
  }
});
drop.addEventListener('keydown', (ev) => {
  if (ev.target !== drop) return;
  if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); $('#file-input').click(); }
});
$('#file-input').addEventListener('change', (ev) => addFiles(Array.from(ev.target.files)));
$('#folder-input').addEventListener('change', (ev) => addFiles(folderFiles(Array.from(ev.target.files))));

function base64(buf) {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function sources() {
  const out = [];
  for (const c of chosen) out.push({ kind: 'file', name: c.name, data: base64(await c.file.arrayBuffer()) });
  if ($('#paste').value.trim()) out.push({ kind: 'text', text: $('#paste').value });
  if ($('#link').value.trim()) out.push({ kind: 'url', url: $('#link').value.trim() });
  if ($('#git-url').value.trim()) {
    out.push({ kind: 'git', url: $('#git-url').value.trim(), ref: $('#git-ref').value.trim() || null, path: $('#git-path').value.trim() || null });
  }
  return out;
}

async function review() {
  const d = $('#import-dialog');
  const box = $('.error', d);
  clearError(box);
  if (!$('#pw-box').hidden && $('#import-pw').value) {
    passwords[$('#pw-box').dataset.label] = $('#import-pw').value;
  }
  try {
    plan = await json('/api/import/plan', {
      sources: await sources(),
      passwords,
      clear: $('#import-clear').checked,
      from: $('#import-from').value || null,
      onlySecretType: $('#import-secret-type').checked,
      includeNotes: $('#import-notes').checked,
    });
  } catch (e) {
    if (e.body && e.body.needsPassword) {
      const label = e.body.needsPassword;
      delete passwords[label];
      $('#pw-box').hidden = false;
      $('#pw-box').dataset.label = label;
      $('#pw-label').textContent = `Password for ${label}`;
      $('#import-pw').value = '';
      $('#import-pw').focus();
    }
    showError(box, e);
    return;
  }
  $('#pw-box').hidden = true;
  $('#import-pw').value = '';
  showPlan();
}

const STATUS = { new: 'new', identical: 'identical', duplicate: 'duplicate' };

function showPlan() {
  const c = plan.counts;
  const from = `${plan.files} source${plan.files === 1 ? '' : 's'}`;
  const read = (plan.formats || []).filter((f) => f.format !== 'coffer')
    .map((f) => ` ${f.source}: read as a ${f.title}${f.detail ? ` (${f.detail})` : ''}.`).join('');
  $('#plan-summary').textContent = `${plan.items.length} secret${plan.items.length === 1 ? '' : 's'} from ${from}: ${c.new} new, ${c.identical} identical, ${c.duplicate} duplicate${c.duplicate === 1 ? '' : 's'}`
    + (c.skipped ? `; ${c.skipped} item${c.skipped === 1 ? '' : 's'} not imported (listed below).` : '.')
    + read
    + (plan.clearFirst ? ` The ${plan.existing} secrets in the vault are removed first.` : '')
    + ' Nothing changes until you press Import.';
  $('#plan-skipped').hidden = !plan.skipped.length;
  $('#skipped-list').replaceChildren(...plan.skipped.map((s) => {
    const li = document.createElement('li');
    li.textContent = `${s.origin}: ${s.reason} [${s.source}]`;
    return li;
  }));
  $('#apply-all').hidden = c.duplicate < 2;
  $('#all-choice').value = '';
  const body = $('#plan-table tbody');
  // A large import shows every duplicate first (each needs a decision; in plan order, the order
  // the decisions are read back in), then the first PLAN_ROWS of the rest; one row says how many
  // more there are. Nothing that needs a decision is ever left out.
  const indexed = plan.items.map((it, i) => [it, i]);
  const shown = [
    ...indexed.filter(([it]) => it.status === 'duplicate'),
    ...indexed.filter(([it]) => it.status !== 'duplicate').slice(0, PLAN_ROWS),
  ];
  const hidden = plan.items.length - shown.length;
  const more = [];
  if (hidden > 0) {
    const tr = document.createElement('tr');
    tr.id = 'plan-more';
    const td = cell(`… and ${hidden} more new or identical secret${hidden === 1 ? '' : 's'} (nothing to decide; \`coffer import --dry-run --json\` lists them all)`, 'muted');
    td.colSpan = 4;
    tr.append(td);
    more.push(tr);
  }
  body.replaceChildren(...shown.map(([it, i]) => {
    const tr = document.createElement('tr');
    tr.dataset.name = it.name;
    const name = cell(it.name, 'name');
    if (it.renamedFrom) {
      const from = document.createElement('span');
      from.className = 'renamed muted';
      from.textContent = ` renamed from “${it.renamedFrom}”`;
      name.append(from);
    }
    for (const note of it.notes || []) {
      const n = document.createElement('span');
      n.className = 'note muted';
      n.textContent = ` ${note}`;
      name.append(n);
    }
    tr.append(name, cell(it.source, 'source'));
    let status = STATUS[it.status];
    if (it.status === 'duplicate') {
      const where = it.against === 'vault' ? 'the vault\u2019s' : `the one in ${it.againstSource}`;
      status = `duplicate: ${it.changes.join(', ')} differ${it.changes.length === 1 ? 's' : ''} from ${where}`;
    } else if (it.status === 'identical') {
      status = `identical to the ${it.against === 'vault' ? 'vault' : 'import'}\u2019s`;
    }
    if (it.linked) status += ` (linked: ${it.provider})`;
    tr.append(cell(status, `status ${it.status}`));
    const dec = cell(undefined, 'decision');
    if (it.status === 'duplicate') {
      const sel = document.createElement('select');
      sel.className = 'choice';
      sel.dataset.index = String(i);
      sel.setAttribute('aria-label', `Decision for ${it.name}`);
      for (const [v, t] of [['skip', 'Skip'], ['replace', 'Replace'], ['keepBoth', 'Keep both']]) sel.append(new Option(t, v));
      dec.append(sel);
    } else {
      dec.textContent = it.status === 'new' ? 'add' : 'nothing to do';
      dec.classList.add('muted');
    }
    tr.append(dec);
    return tr;
  }), ...more);
  importStep('plan');
}

// Rows of new and identical secrets shown in the plan (duplicates are always all shown).
const PLAN_ROWS = 200;

$('#all-choice').addEventListener('change', () => {
  const v = $('#all-choice').value;
  if (!v) return;
  for (const s of $$('#plan-table select.choice')) s.value = v;
});

async function applyPlan() {
  const d = $('#import-dialog');
  const box = $('.error', d);
  clearError(box);
  const resolutions = $$('#plan-table select.choice').map((s) => s.value);
  try {
    const r = await json('/api/import/apply', { planId: plan.planId, resolutions });
    const kept = r.keptBoth.map((k) => `${k.name} \u2192 ${k.storedAs}`);
    $('#done-summary').textContent = (r.cleared ? `Removed ${r.cleared} existing secret${r.cleared === 1 ? '' : 's'} first. ` : '')
      + `Imported: ${r.added.length} added, ${r.replaced.length} replaced, ${r.skipped.length} skipped, ${r.keptBoth.length} kept both${kept.length ? ` (${kept.join(', ')})` : ''}, ${r.identical.length} identical.`;
    $('#relink').hidden = r.needsReauthentication.length === 0;
    // One line per secret, or per provider when there are many (as the CLI does).
    const relink = r.needsReauthentication;
    let lines = relink.map((x) => `${x.name} (${x.provider}): ${x.connect}`);
    if (relink.length > 10) {
      const by = new Map();
      for (const x of relink) {
        if (!by.has(x.provider)) by.set(x.provider, { names: [], connect: x.connect });
        by.get(x.provider).names.push(x.name);
      }
      lines = [...by].map(([provider, { names, connect }]) => `${names.length} secret${names.length === 1 ? '' : 's'} (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}) on ${provider}: ${connect}`);
    }
    $('#relink-list').replaceChildren(...lines.map((t) => {
      const li = document.createElement('li');
      li.textContent = t;
      return li;
    }));
    importStep('done');
    await load();
  } catch (e) {
    showError(box, e);
    if (e.status === 409) importStep('sources');
  }
}

$('#open-import').addEventListener('click', () => {
  resetImport();
  openDialog($('#import-dialog'));
});
$('#import-back').addEventListener('click', () => importStep('sources'));
// Closed without importing (Cancel, Escape): the server drops the plan it kept.
$('#import-dialog').addEventListener('close', () => {
  if (plan && $('#import-done').hidden) json('/api/import/discard', {}).catch(() => {});
  plan = null;
});
$('#import-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const go = $('#import-go');
  go.disabled = true;
  try {
    if (!$('#import-sources').hidden) await review();
    else if (!$('#import-plan').hidden) await applyPlan();
    else $('#import-dialog').close();
  } finally {
    go.disabled = false;
  }
});

// --- reset (a lost key) -------------------------------------------------------------------------

$('#open-reset').addEventListener('click', () => confirmThen(
  'Reset the vault?',
  'For a lost vault key: every secret is deleted for good and a new key is made. The history goes too (it is sealed under the old key): this cannot be undone. Export first if you still can.',
  'reset vault',
  async () => {
    const r = await json('/api/reset', { confirm: 'reset vault' });
    notice(`Deleted ${r.deleted} secret${r.deleted === 1 ? '' : 's'}; the new vault key is in ${r.keyFile}. Keep a copy somewhere safe (Vault key).`);
    await load();
  }));

// --- team --------------------------------------------------------------------------------------

let team = null;

async function loadTeam() {
  try {
    team = await json('/api/team');
  } catch (e) {
    team = null;
  }
  $('#open-team').hidden = !(team && team.joined);
}

function fillTeam() {
  const t = team;
  $('#team-name').textContent = `${t.team.name}`;
  $('#team-me').textContent = `${t.member.name} (${t.member.role})`;
  $('#team-server').textContent = `${t.server}${t.loggedOut ? ' · logged out' : t.offline ? ` · offline: ${t.offline}` : ''}`;
  const p = t.policy;
  $('#team-policy').textContent = p
    ? `${p.describe}; plan ${p.plan}; revision ${p.revision}, signed ${p.issuedAt}, valid until ${p.expiresAt} (${p.source === 'server' ? 'from the server' : 'cached'})`
    : 'none available (the server is unreachable and no valid policy is cached)';
  const formats = p ? p.export.formats : [];
  $('#policy-enabled').checked = !!(p && p.export.enabled);
  $('#policy-encrypted').checked = formats.includes('encrypted');
  $('#policy-plaintext').checked = formats.includes('plaintext');
  for (const id of ['#policy-enabled', '#policy-encrypted', '#policy-plaintext', '#policy-save']) $(id).disabled = !t.admin;
  $('#team-admin').hidden = !t.admin;
}

async function fillAdmin() {
  const box = $('.error', $('#team-dialog'));
  try {
    const [m, a] = await Promise.all([json('/api/team/members'), json('/api/team/audit')]);
    $('#team-members').replaceChildren(...m.members.map((x) => {
      const li = document.createElement('li');
      li.textContent = `${x.name} (${x.role})`;
      return li;
    }));
    $('#team-audit tbody').replaceChildren(...a.entries.slice().reverse().map((e) => {
      const tr = document.createElement('tr');
      tr.append(cell(e.at || ''), cell(e.action), cell(e.actor || '(server)'), cell(JSON.stringify(e.detail)));
      return tr;
    }));
  } catch (e) {
    showError(box, e);
  }
}

$('#open-team').addEventListener('click', async () => {
  await loadTeam();
  if (!team || !team.joined) return;
  $('#invite-token').hidden = true;
  $('#invite-token-text').textContent = '';
  fillTeam();
  openDialog($('#team-dialog'));
  if (team.admin) await fillAdmin();
});

$('#policy-save').addEventListener('click', async () => {
  const box = $('.error', $('#team-dialog'));
  clearError(box);
  const formats = [];
  if ($('#policy-encrypted').checked) formats.push('encrypted');
  if ($('#policy-plaintext').checked) formats.push('plaintext');
  try {
    const r = await json('/api/team/policy', { enabled: $('#policy-enabled').checked, formats });
    notice(`Vault export for the team is now ${r.describe} (revision ${r.revision}).`);
    await loadTeam();
    fillTeam();
    await fillAdmin();
  } catch (e) {
    showError(box, e);
  }
});

$('#invite-go').addEventListener('click', async () => {
  const box = $('.error', $('#team-dialog'));
  clearError(box);
  try {
    const r = await json('/api/team/invite', { name: $('#invite-name').value, role: $('#invite-role').value });
    $('#invite-token-text').textContent = r.token;
    $('#invite-token').hidden = false;
    $('#invite-name').value = '';
    await fillAdmin();
  } catch (e) {
    showError(box, e);
  }
});
$('#audit-verify').addEventListener('click', async () => {
  const box = $('.error', $('#team-dialog'));
  clearError(box);
  $('#audit-verified').textContent = '';
  try {
    const r = await json('/api/team/audit/verify', {});
    $('#audit-verified').textContent = `Intact: ${r.entries} entries, each chained to the one before and signed by the server key pinned at login.`;
  } catch (e) {
    showError(box, e);
  }
});
$('#team-dialog').addEventListener('close', () => { $('#invite-token-text').textContent = ''; });
$('#invite-name').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter') { ev.preventDefault(); $('#invite-go').click(); }
});

// --- connections to external vaults ----------------------------------------------------------

async function fillConnections() {
  const box = $('.error', $('#connections-dialog'));
  try {
    const r = await json('/api/connections');
    $('#connections-none').hidden = r.connections.length > 0;
    $('#connections-table').hidden = r.connections.length === 0;
    $('#connections-table tbody').replaceChildren(...r.connections.map((c) => {
      const tr = document.createElement('tr');
      tr.dataset.provider = c.provider;
      const state = !c.credentialStored ? 'not kept (--no-store)' : c.expired ? `expired: run ${c.connect}` : (c.expiresAt ? `until ${c.expiresAt}` : 'no expiry set');
      const cache = c.cacheTtlSeconds === 0 ? 'off' : `${c.cacheTtlSeconds} s, ${c.cachedValues} cached`;
      const where = c.namespace ? `${c.address} (namespace ${c.namespace})` : c.address;
      const off = cell(undefined, 'actions');
      off.append(button('Disconnect', () => confirmThen(
        `Disconnect ${c.provider}?`,
        `Secrets linked to ${c.provider} stop resolving until ${c.connect} is run again; its cached values are deleted.`,
        null,
        async () => {
          const d = await json('/api/connections/disconnect', { provider: c.provider });
          notice(`Disconnected from ${d.provider}; ${d.cachedValuesDeleted} cached value${d.cachedValuesDeleted === 1 ? '' : 's'} deleted.`);
          await fillConnections();
        },
      ), 'quiet small danger'));
      tr.append(cell(c.provider), cell(where), cell(c.auth), cell(state, c.expired ? 'expired' : ''), cell(cache), off);
      return tr;
    }));
  } catch (e) {
    showError(box, e);
  }
}

$('#open-connections').addEventListener('click', async () => {
  openDialog($('#connections-dialog'));
  await fillConnections();
});

$('#cache-clear').addEventListener('click', async () => {
  const box = $('.error', $('#connections-dialog'));
  clearError(box);
  try {
    const r = await json('/api/cache/clear', {});
    notice(`Deleted ${r.deleted} cached value${r.deleted === 1 ? '' : 's'}; the next use fetches again.`);
    await fillConnections();
  } catch (e) {
    showError(box, e);
  }
});

// --- history and undo ------------------------------------------------------------------------

const UNDO_WORDS = {
  restore: 'put back (gone now)',
  identical: 'already as it was',
  revert: 'put back as it was',
  conflict: 'changed since',
  remove: 'added by the change: removed',
  keepChanged: 'added by the change, changed since: kept',
};
let undoShown = null;

function historyView(list) {
  $('#history-list').hidden = !list;
  $('#undo-plan').hidden = list;
  $('#undo-back').hidden = list;
  $('#undo-go').hidden = list;
  $('#verify-go').hidden = !list;
}

async function fillHistory() {
  const box = $('.error', $('#history-dialog'));
  historyView(true);
  try {
    const r = await json('/api/history');
    $('#history-retention').textContent = `Kept: the last ${r.retention.keep} changes, ${r.retention.maxAgeDays} days.`;
    $('#history-none').hidden = r.entries.length > 0;
    $('#history-table').hidden = r.entries.length === 0;
    $('#history-table tbody').replaceChildren(...r.entries.map((e) => {
      const tr = document.createElement('tr');
      tr.dataset.id = e.id;
      const act = cell(undefined, 'actions');
      act.append(button('Undo…', () => showUndo(e.id), 'quiet small'));
      tr.append(cell(String(e.id)), cell(e.at), cell(e.command), cell(`${e.before} → ${e.after}`), cell(e.detail, 'name'), act);
      return tr;
    }));
  } catch (e) {
    showError(box, e);
  }
}

async function showUndo(id) {
  const box = $('.error', $('#history-dialog'));
  clearError(box);
  try {
    const r = await json('/api/undo/plan', { id });
    const p = r.plan;
    undoShown = p;
    $('#undo-what').textContent = `Undo change ${p.id} (${p.command}, ${p.at}): ${p.detail}`;
    $('#undo-table tbody').replaceChildren(...p.items.map((i) => {
      const tr = document.createElement('tr');
      tr.dataset.name = i.name;
      const why = i.action === 'conflict' ? `${UNDO_WORDS.conflict} (${i.changes.join(', ')})` : UNDO_WORDS[i.action];
      tr.append(cell(i.name, 'name'), cell(why, `status ${i.action === 'conflict' ? 'duplicate' : ''}`));
      return tr;
    }));
    $('#undo-conflict-label').hidden = !p.items.some((i) => i.action === 'conflict');
    historyView(false);
    $('#undo-go').disabled = r.noop;
    if (r.noop) $('#undo-what').textContent += ' Nothing to undo: the vault already holds it.';
  } catch (e) {
    showError(box, e);
  }
}

$('#open-history').addEventListener('click', async () => {
  $('#verify-result').hidden = true;
  openDialog($('#history-dialog'));
  await fillHistory();
});
$('#undo-back').addEventListener('click', fillHistory);
$('#undo-go').addEventListener('click', async () => {
  const box = $('.error', $('#history-dialog'));
  clearError(box);
  const p = undoShown;
  const choice = $('#undo-conflict').value;
  const resolutions = p.items.filter((i) => i.action === 'conflict').map(() => choice);
  try {
    const r = await json('/api/undo/apply', { id: p.id, vaultChanges: p.vaultChanges, resolutions });
    const n = (v) => `${v} secret${v === 1 ? '' : 's'}`;
    const parts = [`put back ${n(r.restored.length)}`];
    if (r.removed.length) parts.push(`removed ${n(r.removed.length)}`);
    if (r.skipped.length) parts.push(`kept ${n(r.skipped.length)} as changed since`);
    for (const k of r.keptBoth) parts.push(`the old ${k.name} is ${k.storedAs}`);
    if (r.keptAdded.length) parts.push(`kept ${n(r.keptAdded.length)} the change added, because a conflict was kept as it is`);
    notice(`Undone: ${parts.join('; ')}.${r.recorded ? ` This undo is change ${r.recorded}.` : ''}`);
    await load();
    await fillHistory();
  } catch (e) {
    showError(box, e);
  }
});
$('#verify-go').addEventListener('click', async () => {
  const box = $('.error', $('#history-dialog'));
  clearError(box);
  const out = $('#verify-result');
  out.hidden = true;
  try {
    const r = await json('/api/verify');
    out.textContent = `Vault OK: ${r.secrets} secrets and ${r.stateEntries} state entries authenticate, and they are the set the vault last wrote (change ${r.changes}).`;
    out.hidden = false;
  } catch (e) {
    showError(box, e);
  }
});

// --- wiring ------------------------------------------------------------------------------------

$('#filter').addEventListener('input', render);
$('#env').addEventListener('change', render);
for (const b of $$('button.sort')) {
  b.addEventListener('click', () => {
    if (sortKey === b.dataset.key) sortUp = !sortUp;
    else { sortKey = b.dataset.key; sortUp = true; }
    render();
  });
}
$('#add').addEventListener('click', addSecret);
for (const id of ['#new-name', '#new-value', '#new-domains']) {
  $(id).addEventListener('keydown', (ev) => { if (ev.key === 'Enter') addSecret(); });
}

load();
loadTeam();
