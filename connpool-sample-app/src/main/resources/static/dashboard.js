// The live dashboard: reads /api/dashboard every second and draws it. Plain JavaScript, no libraries.
'use strict';

(() => {
  const REFRESH_MS = 1000;
  const STYLE = getComputedStyle(document.documentElement);
  const color = name => STYLE.getPropertyValue(name).trim();

  const poolCards = new Map();   // pool name -> its card's elements
  let inFlight = false;
  let lastLoad = null;           // {time, requests} of the previous refresh, for calls per second

  // ---- small helpers --------------------------------------------------------------------------------

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'class') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children.flat(Infinity)) {
      if (child != null) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const fmtInt = n => Math.round(n).toLocaleString('en-US');
  const fmtClock = iso => new Date(iso).toLocaleTimeString('en-GB');

  /** A duration given in milliseconds, as µs, ms or s. */
  function fmtMillis(ms) {
    if (ms == null || Number.isNaN(ms)) return '–';
    if (ms === 0) return '0';
    const trim = text => text.replace(/\.0$/, '');
    if (ms < 1) return `${trim((ms * 1000).toFixed(ms < 0.01 ? 1 : 0))} µs`;
    if (ms < 1000) return `${trim(ms < 10 ? ms.toFixed(1) : String(Math.round(ms)))} ms`;
    return `${trim((ms / 1000).toFixed(1))} s`;
  }

  function num(value, extraClass = '') {
    return el('td', {class: `num ${value === 0 ? 'zero' : ''} ${extraClass}`}, fmtInt(value));
  }

  function setStatus(ok, text) {
    const status = document.getElementById('status');
    status.className = `status ${ok ? 'ok' : 'down'}`;
    status.textContent = text;
  }

  async function call(method, url) {
    const response = await fetch(url, {method, cache: 'no-store'});
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.error || `${method} ${url}: HTTP ${response.status}`);
    }
    return response.json();
  }

  // ---- refresh --------------------------------------------------------------------------------------

  async function refresh() {
    if (inFlight) return;
    inFlight = true;
    try {
      const data = await call('GET', 'api/dashboard');
      render(data);
      setStatus(true, `live · updated ${fmtClock(data.time)}`);
    } catch (e) {
      setStatus(false, `cannot reach the app (${e.message})`);
    } finally {
      inFlight = false;
    }
  }

  function render(data) {
    const names = new Map(data.backends.map(b => [b.address, b.name]));
    const seen = new Set();
    for (const pool of data.pools) {
      seen.add(pool.name);
      renderPool(pool, data, names);
    }
    for (const [name, card] of poolCards) {
      if (!seen.has(name)) {
        card.root.remove();
        poolCards.delete(name);
      }
    }
    renderLoad(data.load, data.time);
    renderBackends(data.backends);
  }

  // ---- pools ----------------------------------------------------------------------------------------

  function poolCard(name) {
    let card = poolCards.get(name);
    if (!card) {
      const root = document.getElementById('pool-template').content.firstElementChild.cloneNode(true);
      root.querySelector('.pool-name').textContent = name;
      document.getElementById('pools').append(root);
      const q = sel => root.querySelector(sel);
      card = {
        root, usable: q('.usable'), totals: q('.totals'), discovery: q('.discovery'), body: q('tbody'),
        borrows: q('.chart-borrows'), acquire: q('.chart-acquire'),
        nowBorrows: q('.now-borrows'), nowMean: q('.now-mean'), nowMax: q('.now-max'),
      };
      poolCards.set(name, card);
    }
    return card;
  }

  // why the server is in its state: its newest state change and its cause (ServerView.history, newest first)
  function lastChange(s) {
    const c = (s.history || [])[0];
    if (!c) return '';
    const failure = c.exception ? ` — ${c.kind ? c.kind + ' ' : ''}${c.exception}${c.message ? ': ' + c.message : ''}` : '';
    return `\n${fmtClock(c.at)} ${c.from || 'joined'} → ${c.to}: ${c.reason} (${c.origin.toLowerCase()})${failure}`;
  }

  function renderPool(pool, data, names) {
    const card = poolCard(pool.name);
    const servers = pool.servers;
    // usable: the state accepts borrows and the server is not failing; counted by connpool, as health counts it
    const usable = pool.usableServers;
    card.usable.textContent = `${usable} of ${servers.length} servers usable`;
    card.usable.className = `usable pill ${usable === 0 ? 'down' : usable < servers.length ? 'degraded' : ''}`;
    const sum = key => servers.reduce((total, s) => total + s[key], 0);
    card.totals.replaceChildren('active ', el('b', {}, sum('active')), ' · idle ', el('b', {}, sum('idle')),
        ' · waiting ', el('b', {}, sum('waiting')), ` · max-active ${pool.maxActive} per server`);
    renderDiscovery(card.discovery, pool.discovery);

    card.body.replaceChildren(...servers.map(s => {
      const name = names.get(s.server);
      const share = Math.min(100, 100 * s.active / Math.max(1, pool.maxActive));
      const remaining = s.ejectedUntil ? Math.max(0, Date.parse(s.ejectedUntil) - Date.parse(data.time)) : null;
      return el('tr', {class: s.state},
          el('td', {}, name ? el('span', {class: 'server-name'}, name) : null,
              el('span', {class: name ? 'server-addr mono' : 'mono'}, s.server)),
          el('td', {}, el('span', {class: `state ${s.state}${s.usable ? '' : ' failing'}`,
              title: (s.usable ? 'usable' : 'not usable: ' + (s.state === 'ACTIVE' || s.state === 'PROBING'
                  ? `${s.failures} consecutive failures` : s.state)) + lastChange(s)}, s.state)),
          el('td', {class: `num ${s.active === 0 ? 'zero' : ''}`}, fmtInt(s.active),
              el('span', {class: 'bar', title: `${s.active} of ${pool.maxActive}`},
                  el('i', {style: `width:${share}%`}))),
          num(s.idle), num(s.waiting), num(s.borrowed), num(s.failures), num(s.ejections),
          el('td', {class: 'until'}, s.ejectedUntil
              ? [fmtClock(s.ejectedUntil), ' ', el('small', {}, `(in ${(remaining / 1000).toFixed(1)} s)`)]
              : el('span', {class: 'zero'}, '–')));
    }));

    const history = pool.history;
    const latest = history[history.length - 1];
    card.nowBorrows.textContent = latest ? `${fmtInt(latest.borrowsPerSecond)} /s` : '–';
    card.nowMean.textContent = latest ? fmtMillis(latest.acquireMeanMillis) : '–';
    card.nowMax.textContent = latest ? fmtMillis(latest.acquireMaxMillis) : '–';

    const now = Date.parse(data.time);
    const windowMs = chartWindow(history, now, data.historyCapacity * data.sampleIntervalMillis);
    const gap = 2.5 * data.sampleIntervalMillis;
    drawChart(card.borrows, {
      now, windowMs, gap, format: v => fmtInt(v),
      series: [{key: 'borrowsPerSecond', color: color('--accent'), fill: true}],
    }, history);
    drawChart(card.acquire, {
      now, windowMs, gap, format: fmtMillis, log: true,
      series: [
        {key: 'acquireMaxMillis', color: color('--max'), dash: [4, 3]},
        {key: 'acquireMeanMillis', color: color('--mean'), fill: true},
      ],
    }, history);
  }

  /** The time span the charts show: the history's, rounded up to whole minutes, from 1 to 5 minutes. */
  function chartWindow(history, now, capacityMs) {
    const span = history.length ? now - history[0].time : 0;
    return Math.min(capacityMs, Math.max(60_000, Math.ceil(span / 60_000) * 60_000));
  }

  // ---- charts ---------------------------------------------------------------------------------------

  /** A round step for about four grid lines up to max: 1, 2 or 5 times a power of ten. */
  function niceStep(max) {
    const raw = max / 4;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const m = raw / power;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
  }

  /** A linear scale from 0 to a round value above max, with about four steps. */
  function linearScale(max) {
    const step = max > 0 ? niceStep(max) : 1;
    const top = max > 0 ? Math.ceil(max / step) * step : 4;
    const ticks = [];
    for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
    return {ticks, position: v => v / top};
  }

  /**
   * A logarithmic scale over whole powers of ten around [min, max], two decades at least: acquire times
   * span microseconds (a pooled connection) to milliseconds (a new connection, a wait), both visible.
   */
  function logScale(min, max) {
    let lo = max > 0 ? Math.floor(Math.log10(min)) : -3;
    let hi = max > 0 ? Math.ceil(Math.log10(max)) : 0;
    while (hi - lo < 2) lo -= 1;
    const ticks = [];
    for (let k = lo; k <= hi; k++) ticks.push(Math.pow(10, k));
    return {ticks, position: v => (Math.log10(v) - lo) / (hi - lo)};
  }

  function drawChart(canvas, opts, history) {
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);

    const pad = {left: 52, right: 8, top: 8, bottom: 20};
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const start = opts.now - opts.windowMs;
    const x = t => pad.left + (t - start) / opts.windowMs * plotW;

    let max = 0;
    let min = Infinity;
    for (const s of history) {
      for (const series of opts.series) {
        const v = s[series.key];
        if (v != null && v > 0 && s.time >= start) {
          max = Math.max(max, v);
          min = Math.min(min, v);
        }
      }
    }
    const scale = opts.log ? logScale(min, max) : linearScale(max);
    const bottom = pad.top + plotH;
    const y = v => bottom - scale.position(v) * plotH;

    // grid and y labels
    ctx.font = '11px system-ui, "DejaVu Sans", sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.lineWidth = 1;
    scale.ticks.forEach((v, i) => {
      const gy = Math.round(y(v)) + 0.5;
      ctx.strokeStyle = i === 0 ? '#c9d0d8' : '#eef0f3';
      ctx.beginPath();
      ctx.moveTo(pad.left, gy);
      ctx.lineTo(width - pad.right, gy);
      ctx.stroke();
      ctx.fillStyle = '#8a96a3';
      ctx.fillText(max > 0 || i === 0 ? opts.format(v) : '', pad.left - 6, gy);
    });

    // x labels: every minute (every 15 s on a one-minute chart), counted back from now
    ctx.textAlign = 'center';
    ctx.textBaseline = 'alphabetic';
    const tick = opts.windowMs <= 60_000 ? 15_000 : 60_000;
    for (let back = 0; back <= opts.windowMs; back += tick) {
      const label = back === 0 ? 'now' : tick < 60_000 ? `−${back / 1000} s` : `−${back / 60_000} min`;
      const lx = Math.min(Math.max(x(opts.now - back), pad.left + 14), width - pad.right - 12);
      ctx.fillStyle = '#8a96a3';
      ctx.fillText(label, lx, height - 5);
    }

    if (!history.length) {
      ctx.fillStyle = '#8a96a3';
      ctx.fillText('collecting samples…', pad.left + plotW / 2, pad.top + plotH / 2);
      return;
    }

    for (const series of opts.series) {
      // split into runs of consecutive points, broken by missing values and by gaps in time
      const runs = [];
      let run = [];
      let previous = null;
      for (const s of history) {
        const v = s[series.key];
        const missing = v == null || (opts.log && v <= 0);
        if (s.time < start || missing || (previous && s.time - previous > opts.gap)) {
          if (run.length) runs.push(run);
          run = [];
        }
        if (s.time >= start && !missing) run.push([x(s.time), y(v)]);
        previous = s.time;
      }
      if (run.length) runs.push(run);

      for (const points of runs) {
        if (series.fill) {
          ctx.beginPath();
          ctx.moveTo(points[0][0], bottom);
          for (const [px, py] of points) ctx.lineTo(px, py);
          ctx.lineTo(points[points.length - 1][0], bottom);
          ctx.closePath();
          ctx.globalAlpha = 0.14;
          ctx.fillStyle = series.color;
          ctx.fill();
          ctx.globalAlpha = 1;
        }
        ctx.beginPath();
        points.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
        if (points.length === 1) ctx.arc(points[0][0], points[0][1], 1.5, 0, 2 * Math.PI);
        ctx.strokeStyle = series.color;
        ctx.lineWidth = 1.6;
        ctx.setLineDash(series.dash || []);
        ctx.stroke();
        ctx.setLineDash([]);
      }
    }
  }

  // ---- load generator -------------------------------------------------------------------------------

  function renderLoad(load, time) {
    const now = Date.parse(time);
    let rate = null;
    if (load.running && lastLoad && lastLoad.startedAt === load.startedAt && now > lastLoad.time) {
      rate = (load.requests - lastLoad.requests) / ((now - lastLoad.time) / 1000);
    }
    lastLoad = {time: now, requests: load.requests, startedAt: load.startedAt};

    document.getElementById('load-stop').disabled = !load.running;
    const facts = [
      ['Status', load.running
          ? el('span', {class: 'running'}, `running · ${load.clients} client${load.clients === 1 ? '' : 's'}`)
          : el('span', {class: 'idle-state'}, 'stopped')],
    ];
    if (load.startedAt) {
      if (load.running) {
        facts.push(['Calls/s', rate == null ? '–' : fmtInt(rate)]);
        facts.push(['Stops at', fmtClock(load.stopsAt)]);
      }
      facts.push(['Calls', fmtInt(load.requests)]);
      facts.push(['Errors', el('span', {class: load.errors ? 'error' : ''}, fmtInt(load.errors))]);
      if (load.lastError) facts.push(['Last error', el('span', {class: 'error'}, load.lastError)]);
    }
    document.getElementById('load').replaceChildren(
        ...facts.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
  }

  async function startLoad() {
    const clients = document.getElementById('clients').value || '4';
    await act(() => call('POST', `api/load?clients=${encodeURIComponent(clients)}`));
  }

  async function stopLoad() {
    await act(() => call('DELETE', 'api/load'));
  }

  /** Where the pool finds its servers (ZooKeeper, DNS, Spring Cloud), when it does. */
  function renderDiscovery(box, d) {
    box.hidden = !d;
    if (!d) return;
    const listed = (d.listed || []).length;
    const parts = [`Servers from ${d.kind} `, el('span', {class: 'mono'}, d.target), `: `,
      el('b', {}, d.connected ? 'connected' : 'not connected'),
      ` · ${listed} server${listed === 1 ? '' : 's'} listed`,
      d.lastUpdate ? ` · updated ${fmtClock(d.lastUpdate)}` : ' · not read yet'];
    if (d.skipped && d.skipped.length) parts.push(` · skipped ${d.skipped.join(', ')}`);
    if (d.lastError) parts.push(` · ${d.lastError}`);
    box.replaceChildren(...parts);
  }

  // ---- embedded backends ----------------------------------------------------------------------------

  function renderBackends(backends) {
    const box = document.getElementById('backends');
    const zookeeper = backends.some(b => b.registered !== null && b.registered !== undefined);
    document.getElementById('zookeeper-hint').hidden = !zookeeper;
    document.getElementById('pool-hint').hidden = zookeeper || !backends.length;
    if (!backends.length) {
      box.replaceChildren(el('p', {class: 'empty'}, 'The app uses configured servers: there are no embedded backends.'));
      return;
    }
    const state = b => (!b.running ? ['stopped', 'stopped'] : b.hanging ? ['hanging', 'hanging'] : ['up', 'running']);
    box.replaceChildren(...backends.map(b => {
      const [cls, label] = state(b);
      const button = (action, text, enabled) => el('button', {
        class: `small ${['restart', 'join', 'add'].includes(action) ? '' : 'danger'}`, type: 'button',
        title: `${text} ${b.name} (${b.address})`,
        onclick: () => act(() => call('POST', `api/backends/${b.index}/${action}`)),
        ...(enabled ? {} : {disabled: ''}),
      }, text);
      return el('div', {class: 'backend'},
          el('div', {class: 'line'},
              el('span', {class: 'server-name'}, b.name),
              el('span', {class: `run ${cls}`}, label),
              el('span', {class: 'conns'}, `${b.connections} connection${b.connections === 1 ? '' : 's'}`)),
          el('div', {class: 'line'},
              el('span', {class: 'mono addr'}, b.address),
              el('span', {class: 'actions'},
                  button('stop', 'Stop', b.running),
                  button('hang', 'Hang', b.running && !b.hanging),
                  button('restart', 'Restart', !b.running || b.hanging))),
          zookeeper ? el('div', {class: 'line'},
              el('span', {class: `run ${b.registered ? 'up' : 'stopped'}`},
                  b.registered ? 'in ZooKeeper' : 'left ZooKeeper'),
              el('span', {class: 'actions'},
                  button('leave', 'Leave', b.registered),
                  button('join', 'Join', !b.registered)))
            : el('div', {class: 'line'},
              el('span', {class: `run ${b.pooled ? 'up' : 'stopped'}`}, b.pooled ? 'in the pool' : 'drained'),
              el('span', {class: 'actions'},
                  button('drain', 'Drain', b.pooled),
                  button('add', 'Add', !b.pooled))));
    }));
  }

  /** Runs an action, then refreshes at once; a failure shows in the status line. */
  async function act(action) {
    try {
      await action();
    } catch (e) {
      setStatus(false, e.message);
    }
    refresh();
  }

  document.getElementById('load-start').addEventListener('click', startLoad);
  document.getElementById('load-stop').addEventListener('click', stopLoad);
  window.addEventListener('resize', refresh);
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
