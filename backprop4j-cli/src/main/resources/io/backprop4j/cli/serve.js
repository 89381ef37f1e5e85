// backprop4j serve: the spec editor and grading as you type. Talks only to the server it came from.
(function () {
  'use strict';
  var form = document.getElementById('bench');
  var source = document.getElementById('source');
  var text = document.getElementById('spec-text');
  var error = document.getElementById('error');
  var main = document.getElementById('page');
  var random = document.getElementById('random');
  var kind = document.getElementById('kind');
  var NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
  var timer = null;
  var asked = 0;

  function request(method, url, body) {
    return fetch(url, { method: method, body: body, headers: body ? { 'Content-Type': 'text/plain; charset=utf-8' } : {} })
      .then(function (r) {
        return r.text().then(function (t) {
          if (!r.ok) throw new Error(t.trim());
          return t;
        });
      });
  }

  function recompute() {
    var n = ++asked;
    error.textContent = '';
    return request('POST', '/page?name=' + encodeURIComponent(text.getAttribute('data-name') || 'spec'), text.value)
      .then(function (html) {
        if (n !== asked) return;
        main.innerHTML = html;
        window.backprop4j.init(main);
        main.setAttribute('data-version', String(n));
        grade();
      })
      .catch(function (e) { if (n === asked) error.textContent = e.message; });
  }

  function load() {
    var v = source.value;
    random.hidden = v !== 'random';
    var url;
    if (v === 'random') {
      var conv = kind.value === 'conv';
      url = '/random?' + (conv ? 'kind=conv&' + ['image', 'filters', 'kernel', 'pool', 'outputs'].map(function (k) {
        return k + '=' + encodeURIComponent(document.getElementById(k).value);
      }).join('&') : 'shape=' + encodeURIComponent(document.getElementById('shape').value))
        + '&hidden=' + encodeURIComponent(document.getElementById('hidden').value)
        + '&output=' + encodeURIComponent(document.getElementById('output').value)
        + '&bias=' + document.getElementById('bias').checked
        + '&seed=' + encodeURIComponent(document.getElementById('seed').value);
      text.setAttribute('data-name', conv ? 'random convolutional ' + document.getElementById('image').value : 'random ' + document.getElementById('shape').value);
    } else {
      url = '/spec?source=' + encodeURIComponent(v);
      text.setAttribute('data-name', source.options[source.selectedIndex].getAttribute('data-name') || source.options[source.selectedIndex].text);
    }
    return request('GET', url).then(function (t) { text.value = t; return recompute(); })
      .catch(function (e) { error.textContent = e.message; });
  }

  /** The typed numbers as an answers file (JSON), each number as typed so that its decimals count. */
  function answers() {
    var loss = null;
    var layers = [];
    var any = false;
    main.querySelectorAll('.answers').forEach(function (box) {
      var q = box.getAttribute('data-quantity');
      var cells = [];
      box.querySelectorAll('input.given').forEach(function (input) {
        var v = input.value.trim();
        var ok = v === '' || NUMBER.test(v);
        input.setAttribute('aria-invalid', String(!ok));
        var idx = (input.getAttribute('data-path').match(/\[\d+\]/g) || []).slice(q === 'loss' ? 0 : 1)
          .map(function (s) { return parseInt(s.slice(1, -1), 10); });
        cells.push({ idx: idx, v: ok && v !== '' ? v.replace(/^\+/, '') : null });
      });
      if (!cells.some(function (c) { return c.v !== null; })) return;
      any = true;
      if (q === 'loss') { loss = cells[0].v; return; }
      var m = q.match(/^layers\[(\d+)\]\.(\w+)$/);
      var l = parseInt(m[1], 10);
      while (layers.length <= l) layers.push({});
      // nested as the paths are: [j], [i][j], a feature map's [c][y][x], a kernel's [o][c][u][v] (and a batch's first)
      var nested = [];
      cells.forEach(function (c) {
        var at = nested;
        for (var d = 0; d < c.idx.length - 1; d++) {
          if (!at[c.idx[d]]) at[c.idx[d]] = [];
          at = at[c.idx[d]];
        }
        at[c.idx[c.idx.length - 1]] = c.v === null ? 'null' : c.v;
      });
      layers[l][m[2]] = written(nested);
    });
    if (!any) return null;
    var parts = [];
    if (loss !== null) parts.push('"loss": ' + loss);
    parts.push('"layers": [' + layers.map(function (f) {
      return '{' + Object.keys(f).map(function (k) { return '"' + k + '": ' + f[k]; }).join(', ') + '}';
    }).join(', ') + ']');
    return '{' + parts.join(', ') + '}';
  }

  /** Nested lists of numbers as typed, as JSON text (a blank: null). */
  function written(a) {
    return '[' + Array.from(a, function (x) { return x === undefined ? 'null' : Array.isArray(x) ? written(x) : x; }).join(', ') + ']';
  }

  function grade() {
    var a = answers();
    if (a === null) {
      window.backprop4j.applyGrading(main, null);
      return Promise.resolve();
    }
    var body = JSON.stringify({ name: text.getAttribute('data-name') || 'spec', spec: text.value, answers: a });
    return request('POST', '/grade', body)
      .then(function (t) { window.backprop4j.applyGrading(main, JSON.parse(t)); error.textContent = ''; })
      .catch(function (e) { error.textContent = e.message; });
  }

  form.addEventListener('submit', function (ev) { ev.preventDefault(); recompute(); });
  text.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); recompute(); }
  });
  source.addEventListener('change', load);
  kind.addEventListener('change', function () {
    random.querySelectorAll('.dense-only').forEach(function (e) { e.hidden = kind.value === 'conv'; });
    random.querySelectorAll('.conv-only').forEach(function (e) { e.hidden = kind.value !== 'conv'; });
    load();
  });
  document.getElementById('new-random').addEventListener('click', function () {
    var seed = document.getElementById('seed');
    seed.value = String((parseInt(seed.value, 10) || 0) + 1);
    load();
  });
  main.addEventListener('input', function (ev) {
    if (!ev.target.matches || !ev.target.matches('input.given')) return;
    clearTimeout(timer);
    timer = setTimeout(grade, 250);
  });
  window.backprop4jServe = { recompute: recompute, grade: grade, load: load };
})();
