// The floor plan component (eventflow/floor_plan_component.py): draws the room, sends intents only.
const SVGNS = 'http://www.w3.org/2000/svg';
const views = new WeakMap();
// The drawing arrives as a JSON string with a key: parsed once per key, not on every rerun.
let parsed = { key: null, value: null };

function el(name, attrs, parent) {
  const node = document.createElementNS(SVGNS, name);
  for (const k in attrs) node.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(node);
  return node;
}
function html(name, text, parent, cls) {
  const node = document.createElement(name);
  if (text !== undefined && text !== null) node.textContent = text;  // names are data, never markup
  if (cls) node.className = cls;
  if (parent) parent.appendChild(node);
  return node;
}
function initials(name) {
  const parts = String(name).trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return '?';
  const first = Array.from(parts[0])[0] || '';
  const last = parts.length > 1 ? (Array.from(parts[parts.length - 1])[0] || '') : '';
  return (first + last).toUpperCase();
}
function seatPositions(cap, round, w, h, rot) {
  const pts = [];
  if (!round) {
    const per = Math.ceil(cap / 2);
    for (let i = 0; i < cap; i++) {
      const side = Math.floor(i / per), slot = i % per;
      pts.push([-w / 2 + 0.2 + 0.6 * (slot + 0.5), side === 0 ? -(h / 2 + 0.35) : h / 2 + 0.35]);
    }
  } else {
    const r = w / 2 + 0.35;
    for (let i = 0; i < cap; i++) {
      const a = -Math.PI / 2 + 2 * Math.PI * i / cap;
      pts.push([r * Math.cos(a), r * Math.sin(a)]);
    }
  }
  if (rot) {
    const c = Math.cos(rot * Math.PI / 180), s = Math.sin(rot * Math.PI / 180);
    return pts.map(([x, y]) => [x * c - y * s, x * s + y * c]);
  }
  return pts;
}
const KINDS = { stage: 'Stage', entrance: 'Entrance', bar: 'Bar', screen: 'Screen', vip_zone: 'VIP zone' };
// "Stage", or "Stage: Main stage" when the organiser named it.
function elementName(e) { const kind = KINDS[e.k] || e.k; return e.l === kind ? kind : `${kind}: ${e.l}`; }
const TURN = 15;  // degrees per press of a turn button or the R key
const PALETTE = ['#80cbc4', '#ce93d8', '#ffcc80', '#90caf9', '#a5d6a7', '#f48fb1', '#bcaaa4', '#e6ee9c'];
function fillColour(seated, cap) {
  if (seated >= cap) return '#ef9a9a';
  if (seated === 0) return '#f1f8e9';
  return seated / cap > 0.7 ? '#dcedc8' : '#c8e6c9';
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector('.fp');
  if (!root || !data) return;
  const svg = root.querySelector('svg.plan');
  const tip = root.querySelector('.tip');
  const detail = root.querySelector('.detail');
  const offerBox = root.querySelector('.offer');
  if (parsed.key !== data.key) parsed = { key: data.key, value: JSON.parse(data.plan) };
  const plan = parsed.value;
  const T = plan.t, P = plan.p, edit = !!data.edit;
  const nP = P.name.length;
  const nT = T.n.length;
  const byNumber = new Map();
  for (let i = 0; i < nT; i++) byNumber.set(T.n[i], i);
  const seatsOf = new Map();  // table number -> [person index]
  for (let i = 0; i < nP; i++) {
    if (P.t[i]) { if (!seatsOf.has(P.t[i])) seatsOf.set(P.t[i], []); seatsOf.get(P.t[i]).push(i); }
  }
  const suggested = new Map((data.suggest || []).map(([n, why]) => [n, why]));
  let state = views.get(parentElement);
  const [roomW, roomH] = plan.room;
  if (!state) {
    state = { x: 0, y: 0, w: roomW, selected: null, focusDone: null };
    views.set(parentElement, state);
  }
  // As deep as the room is, for the width we have (within the CSS bounds). Measured while the SVG is
  // empty (the old drawing goes first): a cheap layout, where measuring a drawn plan of 2,000 tables
  // costs a full layout of it.
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const boxWidth = svg.getBoundingClientRect().width || 800;
  svg.style.height = Math.round(Math.min(Math.max(boxWidth * roomH / roomW, 300), window.innerHeight * 0.78)) + 'px';
  // The SVG's size in pixels, read once per drawing and again only after a resize: every read after a
  // change to the drawing forces the browser to lay all of it out again.
  let box = null;
  function size() {
    if (!box) { const r = svg.getBoundingClientRect(); box = { w: r.width, h: r.height }; }
    return box;
  }
  size();
  if (state.resized) state.resized.disconnect();
  state.resized = new ResizeObserver(() => { box = null; });
  state.resized.observe(svg);
  const send = (intent) => setTriggerValue('intent', Object.assign({ token: data.token, key: data.key, nonce: Date.now() + Math.random() }, intent));

  // ---------------------------------------------------------------- view box (metres)
  function aspect() { const b = size(); return b.w > 0 ? b.h / b.w : 0.6; }
  function scale() { return size().w / state.w; }  // pixels per metre
  function applyView() {
    svg.setAttribute('viewBox', `${state.x} ${state.y} ${state.w} ${state.w * aspect()}`);
    drawLabels();
    drawSeats();
  }
  function fit() {
    const a = aspect();
    state.w = Math.max(roomW, roomH / a) * 1.02;
    state.x = -0.01 * roomW; state.y = -0.01 * roomH;
    applyView();
  }
  function zoom(f, cx, cy) {
    const a = aspect();
    if (cx === undefined) { cx = state.x + state.w / 2; cy = state.y + state.w * a / 2; }
    const nw = Math.min(Math.max(state.w / f, 3), Math.max(roomW, roomH) * 3);
    state.x = cx - (cx - state.x) * nw / state.w; state.y = cy - (cy - state.y) * nw / state.w; state.w = nw;
    applyView();
  }
  function centreOn(x, y, w) {
    state.w = w; state.x = x - w / 2; state.y = y - w * aspect() / 2; applyView();
  }
  function toRoom(evt) {
    const pt = svg.createSVGPoint(); pt.x = evt.clientX; pt.y = evt.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }

  // ---------------------------------------------------------------- drawing
  // Built detached and put into the page at once: 2,000 tables appended one by one to the live SVG
  // cost the browser a quarter of a second more.
  const room = el('rect', { x: 0, y: 0, width: roomW, height: roomH, fill: '#fff', stroke: '#90a4ae', 'stroke-width': 0.1, class: 'room' });
  const elLayer = el('g', {}), tLayer = el('g', {}), lLayer = el('g', { class: 'labels' });
  const sLayer = el('g', {});
  const elGroups = [];
  for (const e of plan.e) {
    const g = el('g', { class: 'elg' + (edit && e.id ? ' movable' : '') + (state.selectedEl === e.id ? ' sel' : ''),
      transform: `translate(${e.x} ${e.y})`, tabindex: 0, role: 'button' }, elLayer);
    // Turned about its centre; the label stays level so it reads the same way at any angle.
    el('rect', { class: 'el ' + e.k, x: 0, y: 0, width: e.w, height: e.h, rx: 0.2,
      transform: e.r ? `rotate(${e.r} ${e.w / 2} ${e.h / 2})` : '' }, g);
    const label = el('text', { x: e.w / 2, y: e.h / 2 }, g);
    label.textContent = e.l;
    g.setAttribute('aria-label', elementName(e) + (e.r ? `, turned ${e.r}°` : '')
      + ` — ${e.w} by ${e.h} m`);
    g.dataset.id = e.id || ''; g.dataset.v = e.v || '';
    g.__el = e; g.__alt = g.getAttribute('aria-label');
    elGroups.push(g);
  }
  const groups = [];
  for (let i = 0; i < nT; i++) {
    const n = T.n[i], vip = T.f[i] & 1, acc = T.f[i] & 2;
    const cls = 'tb' + (vip ? ' vip' : '') + (data.focus === n ? ' focus' : '') + (suggested.has(n) ? ' sug' : '')
      + (state.selected === n ? ' sel' : '');
    const g = el('g', { class: cls, transform: `translate(${T.x[i]} ${T.y[i]})`, tabindex: 0, role: 'button' }, tLayer);
    const free = T.cap[i] - T.seated[i];
    let alt = `Table ${n}` + (T.label[i] ? `, ${T.label[i]}` : '') + (vip ? ', VIP' : '') + (acc ? ', accessible' : '')
      + `, ${T.seated[i]} of ${T.cap[i]} seats taken` + (free > 0 ? `, ${free} free` : ', full');
    if (T.rot[i]) alt += `, turned ${T.rot[i]}°`;
    if (suggested.has(n)) alt += '. Suggested: ' + suggested.get(n);
    g.setAttribute('aria-label', alt);
    g.dataset.n = n;
    const colour = data.colour === 'track' && T.mix[i] >= 0 ? PALETTE[T.mix[i] % PALETTE.length] : fillColour(T.seated[i], T.cap[i]);
    const w = T.w[i], h = T.h[i];
    if (data.focus === n || suggested.has(n)) {
      if (T.round[i]) el('circle', { class: 'ring', r: w / 2 + 0.9 }, g);
      else el('rect', { class: 'ring', x: -w / 2 - 0.9, y: -h / 2 - 0.9, width: w + 1.8, height: h + 1.8, rx: 0.3 }, g);
    }
    if (T.round[i]) el('circle', { class: 'top', r: w / 2, fill: colour }, g);
    else el('rect', { class: 'top', x: -w / 2, y: -h / 2, width: w, height: h, rx: 0.1, fill: colour, transform: `rotate(${T.rot[i]})` }, g);
    g.__alt = alt;  // shown as the hover tip: no <title> node per table (2,000 of them on a large plan)
    groups.push(g);
  }
  svg.append(room, elLayer, tLayer, lLayer, sLayer);

  // Table numbers, labels and the accessible mark only once they are large enough to read, and only for
  // tables in view: text is what costs a browser most to lay out, and a whole room of 2,000 tables
  // shows none legibly (every table keeps its text alternative in aria-label).
  function inView(i, margin) {
    const a = aspect();
    return T.x[i] >= state.x - margin && T.x[i] <= state.x + state.w + margin
      && T.y[i] >= state.y - margin && T.y[i] <= state.y + state.w * a + margin;
  }
  const labelOf = new Map();  // table index -> its drawn text group (moved along while the table is dragged)
  function drawLabels() {
    while (lLayer.firstChild) lLayer.removeChild(lLayer.firstChild);
    labelOf.clear();
    const shown = [];
    for (let i = 0; i < nT; i++) if (inView(i, 2)) shown.push(i);
    if (scale() < 8 && shown.length > 300) return;  // a few hundred small numbers still cost little
    for (const i of shown) {
      const g = el('g', { class: 'tl', transform: `translate(${T.x[i]} ${T.y[i]})` }, lLayer);
      labelOf.set(i, g);
      const num = el('text', { class: 'num', x: 0, y: T.label[i] ? -0.15 : 0 }, g); num.textContent = String(T.n[i]);
      if (T.label[i]) { const lab = el('text', { class: 'lab', x: 0, y: 0.45 }, g); lab.textContent = T.label[i]; }
      if (T.f[i] & 2) { const a = el('text', { class: 'acc', x: 0, y: -T.w[i] / 4 - 0.05 }, g); a.textContent = '♿'; }
    }
  }

  // Seats only where they can be seen and read: in view, once a metre is at least 9 pixels wide.
  function drawSeats() {
    while (sLayer.firstChild) sLayer.removeChild(sLayer.firstChild);
    const px = scale();
    if (px < 9) return;
    const a = aspect(), x0 = state.x - 2, y0 = state.y - 2, x1 = state.x + state.w + 2, y1 = state.y + state.w * a + 2;
    for (let i = 0; i < nT; i++) {
      if (T.x[i] < x0 || T.x[i] > x1 || T.y[i] < y0 || T.y[i] > y1) continue;
      const n = T.n[i];
      const pos = seatPositions(T.cap[i], T.round[i], T.w[i], T.h[i], T.rot[i]);
      const bySeat = new Map(), loose = [];
      for (const p of seatsOf.get(n) || []) { if (P.s[p] && P.s[p] <= T.cap[i] && !bySeat.has(P.s[p])) bySeat.set(P.s[p], p); else loose.push(p); }
      for (let s = 1; s <= T.cap[i]; s++) if (!bySeat.has(s) && loose.length) bySeat.set(s, loose.shift());
      for (let s = 1; s <= T.cap[i]; s++) {
        const [dx, dy] = pos[s - 1];
        const p = bySeat.has(s) ? bySeat.get(s) : -1;
        const cls = 'seat' + (p >= 0 ? ' taken' : '') + (p >= 0 && (P.f[p] & 1) ? ' vip' : '') + (p >= 0 && data.hit === p ? ' hit' : '');
        const c = el('circle', { class: cls, cx: T.x[i] + dx, cy: T.y[i] + dy, r: 0.27 }, sLayer);
        c.dataset.t = n; c.dataset.s = s; if (p >= 0) c.dataset.p = p;
        if (p >= 0 && px >= 40) {
          const ini = el('text', { class: 'ini', x: T.x[i] + dx, y: T.y[i] + dy }, sLayer); ini.textContent = initials(P.name[p]);
          if (px >= 70) {
            const nm = el('text', { class: 'nm', x: T.x[i] + dx, y: T.y[i] + dy + (dy >= 0 ? 0.48 : -0.36) }, sLayer);
            nm.textContent = P.name[p];
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- side panel
  function personLine(p) {
    return P.name[p] + ((P.f[p] & 1) ? ' (VIP)' : '') + ((P.f[p] & 2) ? ' (needs accessible place)' : '');
  }
  function showTable(n) {
    state.selected = n; state.selectedEl = null;
    for (const g of elGroups) g.classList.remove('sel');
    for (const g of groups) g.classList.toggle('sel', Number(g.dataset.n) === n);
    while (detail.firstChild) detail.removeChild(detail.firstChild);
    const i = byNumber.get(n);
    html('h4', `Table ${n}` + (T.label[i] ? ` · ${T.label[i]}` : ''), detail);
    html('p', `${T.seated[i]} of ${T.cap[i]} seats taken` + ((T.f[i] & 1) ? ' · VIP' : '') + ((T.f[i] & 2) ? ' · accessible' : ''), detail);
    if (edit) turnControls(`table ${n}`, T.rot[i], (to) => send({ kind: 'turn_table', table: n, rotation: to, version: T.ver[i] }));
    if (suggested.has(n)) {
      html('p', 'Suggested: ' + suggested.get(n), detail);
      if (edit && data.walkin) {
        const b = html('button', 'Seat the walk-in here', detail);
        b.type = 'button'; b.onclick = () => send({ kind: 'accept', p: data.walkin, table: n });
      }
    }
    const list = html('ul', null, detail);
    const people = (seatsOf.get(n) || []).slice().sort((a, b) => (P.s[a] || 99) - (P.s[b] || 99));
    for (const p of people) {
      const li = html('li', null, list);
      html('span', (P.s[p] ? `${P.s[p]}. ` : '') + personLine(p), li, 'who');
      if (edit) {
        const input = html('input', null, li); input.type = 'number'; input.min = 1;
        input.setAttribute('aria-label', 'New table for ' + P.name[p]);
        const move = html('button', 'Move', li); move.type = 'button';
        move.setAttribute('aria-label', 'Move ' + P.name[p] + ' to the table typed');
        move.onclick = () => { if (input.value) send({ kind: 'move_person', p, table: Number(input.value) }); };
        const out = html('button', 'Unseat', li); out.type = 'button';
        out.setAttribute('aria-label', 'Unseat ' + P.name[p]);
        out.onclick = () => send({ kind: 'unseat', p });
      }
    }
    if (!people.length) html('p', 'Nobody sits here yet.', detail);
  }
  // Turn left / right by TURN degrees, or straighten; the angle is also said in words.
  function turnControls(what, angle, turnTo) {
    const row = html('div', null, detail, 'turn');
    html('span', `Turned ${angle || 0}°`, row, 'angle');
    const left = html('button', '⟲ ' + TURN + '°', row); left.type = 'button';
    left.setAttribute('aria-label', `Turn ${what} left by ${TURN} degrees`);
    left.onclick = () => turnTo(((angle || 0) - TURN + 360) % 360);
    const right = html('button', '⟳ ' + TURN + '°', row); right.type = 'button';
    right.setAttribute('aria-label', `Turn ${what} right by ${TURN} degrees`);
    right.onclick = () => turnTo(((angle || 0) + TURN) % 360);
    if (angle) {
      const straight = html('button', 'Straighten', row); straight.type = 'button';
      straight.setAttribute('aria-label', `Straighten ${what} (0 degrees)`);
      straight.onclick = () => turnTo(0);
    }
  }
  function showElement(e) {
    state.selected = null; state.selectedEl = e.id;
    for (const g of groups) g.classList.remove('sel');
    for (const g of elGroups) g.classList.toggle('sel', g.__el === e);
    while (detail.firstChild) detail.removeChild(detail.firstChild);
    html('h4', elementName(e), detail);
    html('p', `${e.w} × ${e.h} m, at ${e.x} m, ${e.y} m`, detail);
    if (edit && e.id) {
      turnControls(`“${e.l}”`, e.r, (to) => send({ kind: 'turn_element', id: e.id, rotation: to, version: e.v }));
      // Rename and resize: the label travels as data and is drawn with textContent, never as markup.
      const form = html('form', null, detail, 'change');
      form.setAttribute('aria-label', `Label and size of “${e.l}”`);
      const field = (text, attrs) => {
        const wrap = html('label', text, form);
        const input = html('input', null, wrap);
        Object.assign(input, attrs);
        input.onkeydown = (evt) => evt.stopPropagation();  // typing R or an arrow here is text, not a move
        return input;
      };
      const name = field('Label ', { type: 'text', value: e.l, maxLength: 100, required: true, className: 'label' });
      const wide = field('Width (m) ', { type: 'number', value: e.w, min: 0.5, max: 500, step: 0.5, required: true });
      const deep = field('Depth (m) ', { type: 'number', value: e.h, min: 0.5, max: 500, step: 0.5, required: true });
      const save = html('button', 'Save label and size', form); save.type = 'submit';
      form.onsubmit = (evt) => {
        evt.preventDefault();
        state.refocus = `g.elg[data-id="${e.id}"]`;
        send({ kind: 'change_element', id: e.id, version: e.v, label: name.value, w: wide.value, h: deep.value });
      };
      html('p', 'Drag it, or use the arrow keys (Shift: 2 m); R turns it right, Shift+R left.', detail, 'hint');
    }
  }
  function showHint() {
    while (detail.firstChild) detail.removeChild(detail.firstChild);
    html('p', edit ? 'Drag tables, room elements and people. Tab to a table or room element and press Enter for its details; arrow keys move it, R turns it (Shift+R the other way).'
      : 'Read-only: tap or press Enter on a table to see who sits there.', detail, 'hint');
  }
  function showOffer() {
    const o = data.offer;
    offerBox.hidden = !o;
    while (offerBox.firstChild) offerBox.removeChild(offerBox.firstChild);
    if (!o || !edit) return;
    html('p', o.text, offerBox);
    for (const [other, name] of o.with) {
      const b = html('button', 'Swap with ' + name, offerBox); b.type = 'button';
      b.onclick = () => send({ kind: 'swap', p: o.p, o: other });
    }
    const cancel = html('button', 'Cancel', offerBox); cancel.type = 'button';
    cancel.onclick = () => send({ kind: 'dismiss' });
  }
  function showUnseated() {
    const header = root.querySelector('.uh'), ul = root.querySelector('.ul');
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    const loose = [];
    for (let i = 0; i < nP; i++) if (!P.t[i]) loose.push(i);
    header.textContent = `Without a seat: ${loose.length}` + (edit ? ' (drag onto a table; drop people here to unseat)' : '');
    const list = document.createDocumentFragment();  // into the page at once, like the plan
    for (const p of loose.slice(0, 150)) {
      const li = html('li', personLine(p), list);
      li.dataset.p = p; li.tabIndex = 0;
      if (data.walkin === p) li.style.fontWeight = '700';
    }
    if (loose.length > 150) html('li', `… and ${loose.length - 150} more: find them with the search above.`, list);
    ul.append(list);
  }
  showUnseated(); showOffer();
  const keptEl = state.selectedEl ? plan.e.find((e) => e.id === state.selectedEl) : null;
  if (state.selected !== null && byNumber.has(state.selected)) showTable(state.selected);
  else if (keptEl) showElement(keptEl);
  else showHint();

  // ---------------------------------------------------------------- pointer: pan, drag, hover
  let drag = null;
  function showTip(evt, text) {
    tip.textContent = text; tip.hidden = false;
    const r = svg.getBoundingClientRect();
    tip.style.left = Math.min(evt.clientX - r.left + 12, r.width - 200) + 'px';
    tip.style.top = (evt.clientY - r.top + 12) + 'px';
  }
  function seatText(c) {
    const p = Number(c.dataset.p);
    if (c.dataset.p === undefined) return `Table ${c.dataset.t}, seat ${c.dataset.s}: free`;
    return `${personLine(p)} — table ${c.dataset.t}, seat ${c.dataset.s}`;
  }
  function target(evt) {
    const rootNode = parentElement.elementFromPoint ? parentElement : document;
    const hit = rootNode.elementFromPoint(evt.clientX, evt.clientY);
    if (!hit) return null;
    if (hit.closest && hit.closest('.unseated')) return { unseat: true };
    if (hit.classList && hit.classList.contains('seat')) return { table: Number(hit.dataset.t), seat: Number(hit.dataset.s) };
    const g = hit.closest && hit.closest('g.tb');
    if (g) return { table: Number(g.dataset.n) };
    return null;
  }
  svg.onpointerdown = (evt) => {
    const seat = evt.target.classList && evt.target.classList.contains('seat') ? evt.target : null;
    const g = evt.target.closest && evt.target.closest('g.tb');
    const eg = evt.target.closest && evt.target.closest('g.elg');
    const start = toRoom(evt);
    if (seat && seat.dataset.p !== undefined && edit) drag = { kind: 'person', p: Number(seat.dataset.p), start, seat };
    else if (g && edit) { const i = byNumber.get(Number(g.dataset.n)); drag = { kind: 'table', i, g, start, x: T.x[i], y: T.y[i] }; }
    else if (eg && edit && eg.dataset.id) drag = { kind: 'element', e: eg.__el, g: eg, start };
    else drag = { kind: 'pan', start, vx: state.x, vy: state.y, sx: evt.clientX, sy: evt.clientY, seat, g, eg };
    drag.moved = false;
    svg.setPointerCapture(evt.pointerId);
  };
  svg.onpointermove = (evt) => {
    if (!drag) {
      const t = evt.target;
      const tg = t.closest && t.closest('g.tb');
      if (t.classList && t.classList.contains('seat')) showTip(evt, seatText(t));
      else if (tg) showTip(evt, tg.__alt);
      else if (t.closest && t.closest('g.elg')) showTip(evt, t.closest('g.elg').__alt);
      else tip.hidden = true;
      return;
    }
    const now = toRoom(evt), dx = now.x - drag.start.x, dy = now.y - drag.start.y;
    if (Math.abs(dx) + Math.abs(dy) > 0.15) drag.moved = true;
    if (drag.kind === 'pan') {
      const px = scale();
      state.x = drag.vx - (evt.clientX - drag.sx) / px; state.y = drag.vy - (evt.clientY - drag.sy) / px;
      svg.setAttribute('viewBox', `${state.x} ${state.y} ${state.w} ${state.w * aspect()}`);
    } else if (drag.kind === 'table') {
      drag.g.setAttribute('transform', `translate(${drag.x + dx} ${drag.y + dy})`);
      if (labelOf.has(drag.i)) labelOf.get(drag.i).setAttribute('transform', `translate(${drag.x + dx} ${drag.y + dy})`);
      drag.nx = drag.x + dx; drag.ny = drag.y + dy;
    } else if (drag.kind === 'element') {
      drag.g.setAttribute('transform', `translate(${drag.e.x + dx} ${drag.e.y + dy})`);
      drag.nx = drag.e.x + dx; drag.ny = drag.e.y + dy;
    } else if (drag.kind === 'person') {
      if (!drag.ghost) drag.ghost = el('circle', { class: 'ghost', r: 0.3 }, svg);
      drag.ghost.setAttribute('cx', now.x); drag.ghost.setAttribute('cy', now.y);
      showTip(evt, 'Moving ' + P.name[drag.p]);
    }
  };
  svg.onpointerup = (evt) => {
    const d = drag; drag = null;
    if (!d) return;
    try { svg.releasePointerCapture(evt.pointerId); } catch (e) { /* released already */ }
    if (d.ghost) d.ghost.remove();
    tip.hidden = true;
    if (d.kind === 'pan') {
      if (d.moved) { drawSeats(); return; }
      if (d.seat) { showTip(evt, seatText(d.seat)); return; }  // a tap shows the person
      if (d.g) showTable(Number(d.g.dataset.n));
      else if (d.eg) showElement(d.eg.__el);
      return;
    }
    if (!d.moved) {
      if (d.kind === 'table') showTable(T.n[d.i]);
      if (d.kind === 'element') showElement(d.e);
      if (d.kind === 'person') showTip(evt, seatText(d.seat));
      return;
    }
    if (d.kind === 'table') send({ kind: 'move_table', table: T.n[d.i], x: d.nx, y: d.ny, version: T.ver[d.i] });
    else if (d.kind === 'element') send({ kind: 'move_element', id: d.e.id, x: d.nx, y: d.ny, version: d.e.v });
    else if (d.kind === 'person') dropPerson(d.p, evt);
  };
  function dropPerson(p, evt) {
    const where = target(evt);
    if (!where) return;
    if (where.unseat) { if (P.t[p]) send({ kind: 'unseat', p }); return; }
    if (where.seat && P.t[p] === where.table && P.s[p] === where.seat) return;
    send({ kind: 'move_person', p, table: where.table, seat: where.seat || null });
  }
  svg.onpointerleave = () => { if (!drag) tip.hidden = true; };
  svg.onwheel = (evt) => { evt.preventDefault(); const at = toRoom(evt); zoom(evt.deltaY < 0 ? 1.25 : 0.8, at.x, at.y); };

  // People dragged from the list of those without a seat.
  const ul = root.querySelector('.ul');
  ul.onpointerdown = (evt) => {
    const li = evt.target.closest('li'); if (!li || li.dataset.p === undefined || !edit) return;
    const p = Number(li.dataset.p);
    const ghost = html('div', P.name[p], root, 'tip');
    ghost.style.position = 'fixed';
    const moveGhost = (e) => { ghost.style.left = (e.clientX + 8) + 'px'; ghost.style.top = (e.clientY + 8) + 'px'; };
    moveGhost(evt);
    const up = (e) => {
      window.removeEventListener('pointermove', moveGhost); window.removeEventListener('pointerup', up);
      ghost.remove();
      const where = target(e);
      if (where && !where.unseat) send({ kind: 'move_person', p, table: where.table, seat: where.seat || null });
    };
    window.addEventListener('pointermove', moveGhost); window.addEventListener('pointerup', up);
    evt.preventDefault();
  };

  // ---------------------------------------------------------------- keyboard
  // Arrow keys move the focused table or element (Shift: 2 m), R turns it right and Shift+R left. The
  // plan is drawn again after the save, so the keyboard focus is put back where it was.
  function keyIntent(evt, x, y, angle) {
    const step = evt.shiftKey ? 2 : plan.step;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[evt.key]) return { move: [x + moves[evt.key][0], y + moves[evt.key][1]] };
    if (evt.key === 'r' || evt.key === 'R') return { turn: ((angle || 0) + (evt.shiftKey ? -TURN : TURN) + 360) % 360 };
    return null;
  }
  tLayer.onkeydown = (evt) => {
    const g = evt.target.closest && evt.target.closest('g.tb'); if (!g) return;
    const n = Number(g.dataset.n), i = byNumber.get(n);
    if (evt.key === 'Enter' || evt.key === ' ') { evt.preventDefault(); showTable(n); return; }
    const what = edit ? keyIntent(evt, T.x[i], T.y[i], T.rot[i]) : null;
    if (!what) return;
    evt.preventDefault();
    evt.stopPropagation();  // R is also Streamlit's "rerun" shortcut: this R is ours
    state.refocus = `g.tb[data-n="${n}"]`;
    if (what.move) send({ kind: 'move_table', table: n, x: what.move[0], y: what.move[1], version: T.ver[i] });
    else send({ kind: 'turn_table', table: n, rotation: what.turn, version: T.ver[i] });
  };
  elLayer.onkeydown = (evt) => {
    const g = evt.target.closest && evt.target.closest('g.elg'); if (!g) return;
    const e = g.__el;
    if (evt.key === 'Enter' || evt.key === ' ') { evt.preventDefault(); showElement(e); return; }
    const what = edit && e.id ? keyIntent(evt, e.x, e.y, e.r) : null;
    if (!what) return;
    evt.preventDefault();
    evt.stopPropagation();  // R is also Streamlit's "rerun" shortcut: this R is ours
    state.refocus = `g.elg[data-id="${e.id}"]`;
    if (what.move) send({ kind: 'move_element', id: e.id, x: what.move[0], y: what.move[1], version: e.v });
    else send({ kind: 'turn_element', id: e.id, rotation: what.turn, version: e.v });
  };
  if (state.refocus) {
    const again = svg.querySelector(state.refocus);
    state.refocus = null;
    if (again) again.focus({ preventScroll: true });
  }
  root.querySelector('[data-act=in]').onclick = () => zoom(1.4);
  root.querySelector('[data-act=out]').onclick = () => zoom(1 / 1.4);
  root.querySelector('[data-act=fit]').onclick = () => fit();

  // ---------------------------------------------------------------- where to look
  const focusKey = data.focus === null || data.focus === undefined ? null : `${data.focus}:${data.hit || ''}:${data.token}`;
  if (focusKey && state.focusDone !== focusKey && byNumber.has(data.focus)) {
    state.focusDone = focusKey;
    const i = byNumber.get(data.focus);
    requestAnimationFrame(() => { centreOn(T.x[i], T.y[i], 16); showTable(data.focus); });
  } else if (!state.fitted) {
    state.fitted = true;
    // At once when the SVG has its width (the usual case): the first paint is the fitted room, not a
    // drawing laid out and painted twice.
    if (size().w > 0) fit(); else requestAnimationFrame(() => { box = null; fit(); });
  } else {
    applyView();
  }
  svg.dataset.ready = String(data.token);
}
