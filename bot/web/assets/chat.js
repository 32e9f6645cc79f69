// aduan web chat: the same conversation as on Telegram, through the same desk.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const log = $('log'), note = $('note'), form = $('composer'), text = $('text'), loc = $('loc'), photo = $('photo'), quick = $('quick');
  let csrf = '', last = 0, events = null;
  const shown = new Set();

  const uid = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
  const say = (msg) => { note.textContent = msg || ''; note.hidden = !msg; };

  function el(tag, cls, txt) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt) e.textContent = txt;
    return e;
  }

  function render(e) {
    if (shown.has(e.seq)) return;
    shown.add(e.seq);
    last = Math.max(last, e.seq);
    const box = el('div', 'msg ' + (e.mine ? 'mine' : 'bot'));
    if (e.location) box.append(el('p', 'text', '📍 ' + e.location.lat.toFixed(5) + ', ' + e.location.lon.toFixed(5)));
    for (const h of e.photos || []) {
      const a = el('a'); a.href = '/media/' + h; a.target = '_blank'; a.rel = 'noopener';
      const img = el('img', 'photo'); img.src = '/media/' + h; img.alt = 'Foto'; img.loading = 'lazy';
      a.append(img); box.append(a);
    }
    for (const f of e.files || []) {
      const a = el('a', 'file', '📎 ' + (f.name || f.kind)); a.href = '/media/' + f.hash; box.append(a);
    }
    if (e.text) box.append(el('p', 'text', e.text));
    if (!e.mine && e.choices && e.choices.length) {
      const g = el('div', 'choices'); g.setAttribute('role', 'group');
      for (const c of e.choices) {
        const b = el('button', 'choice', c.label); b.type = 'button';
        b.addEventListener('click', () => send({ choice: c.id, label: c.label }));
        g.append(b);
      }
      box.append(g);
    }
    if (!e.mine) keyboard(e);
    log.append(box);
    box.scrollIntoView({ block: 'end' });
  }

  // keyboard follows the desk's reply keyboard: a location button and
  // quick answers ("lewati", "lanjut") above the text box, or none.
  function keyboard(e) {
    if (!e.keyboard) return;
    quick.querySelectorAll('.answer').forEach((b) => b.remove());
    let answers = e.quick || [];
    loc.hidden = true;
    if (e.keyboard === 'location') {
      loc.textContent = answers[0] || '📍 Kirim lokasi';
      loc.hidden = !navigator.geolocation;
      answers = answers.slice(1);
    }
    if (e.keyboard === 'clear') answers = [];
    for (const a of answers) {
      const b = el('button', 'answer', a); b.type = 'button';
      b.addEventListener('click', () => send({ text: a }));
      quick.append(b);
    }
  }

  async function post(path, body, headers) {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetch(path, { method: 'POST', body, headers: Object.assign({ 'X-CSRF-Token': csrf }, headers), credentials: 'same-origin' });
        const data = await r.json().catch(() => ({}));
        if (r.status === 401 || r.status === 403) { await load(); }
        if (!r.ok) throw Object.assign(new Error(data.error || 'Gagal mengirim.'), { final: r.status < 500 });
        return data;
      } catch (err) {
        if (err.final || attempt >= 2) throw err;
        await new Promise((ok) => setTimeout(ok, 1000 * (attempt + 1)));
      }
    }
  }

  async function send(msg) {
    msg.id = msg.id || uid();
    say('');
    try {
      await post('/api/kirim', JSON.stringify(msg), { 'Content-Type': 'application/json' });
      if (!events) pull();
    } catch (err) {
      say(err.message + ' Coba lagi.');
      if (msg.text) text.value = msg.text;
    }
  }

  async function pull() {
    const r = await fetch('/api/obrolan?after=' + last, { credentials: 'same-origin' });
    if (r.ok) (await r.json()).entries.forEach(render);
  }

  async function load() {
    const r = await fetch('/api/obrolan', { credentials: 'same-origin' });
    if (!r.ok) { say('Layanan sedang tidak tersedia. Coba muat ulang halaman.'); return false; }
    const data = await r.json();
    csrf = data.csrf;
    data.entries.forEach(render);
    return data.entries.length === 0;
  }

  function listen() {
    if (!window.EventSource) { setInterval(pull, 4000); return; }
    events = new EventSource('/api/peristiwa?after=' + last);
    events.onmessage = (ev) => render(JSON.parse(ev.data));
    events.onopen = () => say('');
    // The browser reconnects by itself after a dropped connection; it
    // gives up only when the server refuses (an ended session).
    events.onerror = () => say(events.readyState === EventSource.CLOSED
      ? 'Sambungan terputus. Muat ulang halaman untuk melihat balasan.' : 'Menyambung kembali…');
  }

  // shrink makes a large photo lighter for a slow connection; the
  // original goes when the browser cannot.
  async function shrink(file) {
    try {
      if (file.size < 1.5e6 || !window.createImageBitmap) return file;
      const bmp = await createImageBitmap(file);
      const k = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
      const c = document.createElement('canvas');
      c.width = Math.round(bmp.width * k); c.height = Math.round(bmp.height * k);
      c.getContext('2d').drawImage(bmp, 0, 0, c.width, c.height);
      const blob = await new Promise((ok) => c.toBlob(ok, 'image/jpeg', 0.85));
      return blob && blob.size < file.size ? blob : file;
    } catch (e) { return file; }
  }

  photo.addEventListener('change', async () => {
    const file = photo.files[0];
    photo.value = '';
    if (!file) return;
    say('Mengirim foto…');
    const body = new FormData();
    body.append('id', uid());
    body.append('foto', await shrink(file), file.name || 'foto.jpg');
    try {
      await post('/api/foto', body, {});
      say('');
      if (!events) pull();
    } catch (err) { say(err.message); }
  });

  loc.addEventListener('click', () => {
    say('Mengambil lokasi…');
    navigator.geolocation.getCurrentPosition(
      (p) => { say(''); send({ location: true, lat: p.coords.latitude, lon: p.coords.longitude }); },
      () => say('Lokasi tidak dapat diambil. Ketik alamat atau patokan saja.'),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = text.value.trim();
    if (!t) return;
    text.value = '';
    send({ text: t });
  });
  text.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
  });

  load().then((fresh) => {
    if (fresh) send({ command: 'start' });
    listen();
  });
})();
