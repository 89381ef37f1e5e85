// backprop4j: the page of a worked training step. The page reads without this script; it adds
// the stepper, the weight views, the chain-rule path of a selected weight, and (on the workbench)
// the marks of a grading. Nothing is fetched here.
(function () {
  'use strict';

  function json(root, id) {
    var el = root.querySelector('script#' + id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function fmt(v) {
    // six significant digits, as the worked solution prints them
    if (v === 0) return '0';
    if (Number.isInteger(v) && Math.abs(v) < 1e7) return String(v);
    var s = v.toPrecision(6);
    if (s.indexOf('e') >= 0) {
      var parts = s.split('e');
      var m = parts[0].indexOf('.') >= 0 ? parts[0].replace(/0+$/, '').replace(/\.$/, '') : parts[0];
      return m + 'e' + parts[1].replace('+', '').replace(/^(-?)0+(\d)/, '$1$2');
    }
    return s.indexOf('.') >= 0 ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  }

  /** The elements on the chain-rule path of weight (L, i, j), by the definition the tests check. */
  function pathOf(spec, L, i, j) {
    var layers = spec.layers;
    var last = layers.length - 1;
    var units = layers.map(function (l) { return l.weights[0].length; });
    var softmax = layers.map(function (l) { return l.activation === 'softmax'; });
    var on = { weights: [[L, i, j]], units: [L === 0 ? ['in', i] : [L - 1, i]], toLoss: [] };
    var cur = softmax[L] ? range(units[L]) : [j];
    cur.forEach(function (k) { on.units.push([L, k]); });
    for (var m = L + 1; m <= last; m++) {
      cur.forEach(function (a) { for (var b = 0; b < units[m]; b++) on.weights.push([m, a, b]); });
      cur = range(units[m]);
      cur.forEach(function (b) { on.units.push([m, b]); });
    }
    on.toLoss = cur;
    return on;
  }

  function range(n) {
    var r = [];
    for (var k = 0; k < n; k++) r.push(k);
    return r;
  }

  function init(root) {
    root = root || document;
    var spec = json(root, 'spec');
    var solution = json(root, 'solution');
    if (!spec || !solution) return;
    var svg = root.querySelector('svg.net');
    var panel = root.querySelector('#chain-panel .panel-body');
    var panelIntro = panel ? panel.innerHTML : '';
    var view = 'w';
    var sample = 0;

    // ---------------------------------------------------------------- the stepper
    var nav = root.querySelector('nav.stepper');
    var links = nav ? Array.prototype.slice.call(nav.querySelectorAll('a')) : [];
    var steps = links.map(function (a) { return a.getAttribute('href').slice(1); });
    var viewOfStep = { forward: 'w', loss: 'w', backward: 'g', update: 'u', chain: 'g' };
    var current = -1;
    function go(k, scroll) {
      if (k < 0 || k >= steps.length) return;
      current = k;
      links.forEach(function (a, n) {
        if (n === k) a.setAttribute('aria-current', 'step'); else a.removeAttribute('aria-current');
      });
      root.querySelectorAll('section.step').forEach(function (s) { s.classList.toggle('current', s.id === steps[k]); });
      var v = viewOfStep[steps[k]];
      if (v && (v !== 'u' || spec.learning_rate !== undefined)) setView(v);
      if (scroll) {
        var target = root.querySelector('#' + steps[k]);
        if (target) {
          target.scrollIntoView({ block: 'start' });
          if (history.replaceState) history.replaceState(null, '', '#' + steps[k]);
        }
      }
      if (prev) prev.disabled = k === 0;
      if (next) next.disabled = k === steps.length - 1;
    }
    var prev = nav && nav.querySelector('button.prev');
    var next = nav && nav.querySelector('button.next');
    if (prev && next) {
      prev.hidden = false;
      next.hidden = false;
      prev.addEventListener('click', function () { go(Math.max(0, current - 1), true); });
      next.addEventListener('click', function () { go(current + 1, true); });
    }
    links.forEach(function (a, n) {
      a.addEventListener('click', function (ev) { ev.preventDefault(); go(n, true); });
    });

    // ---------------------------------------------------------------- weights: views and labels
    var edges = svg ? Array.prototype.slice.call(svg.querySelectorAll('[data-weight]')) : [];
    function value(e, v) {
      var a = e.getAttribute('data-' + v);
      return a === null ? NaN : parseFloat(a);
    }
    function setView(v) {
      if (!svg) return;
      view = v;
      var max = 0;
      edges.forEach(function (e) { max = Math.max(max, Math.abs(value(e, v))); });
      edges.forEach(function (e) {
        var x = value(e, v);
        var wire = e.querySelector('.wire');
        e.classList.remove('pos', 'neg', 'zero');
        e.classList.add(x > 0 ? 'pos' : x < 0 ? 'neg' : 'zero');
        wire.setAttribute('stroke-width', (max > 0 ? 0.75 + 6.25 * Math.sqrt(Math.abs(x) / max) : 1).toFixed(1));
        e.querySelector('.elabel').textContent = fmt(x);
      });
      root.querySelectorAll('input[name="view"]').forEach(function (r) { r.checked = r.value === v; });
    }
    root.querySelectorAll('input[name="view"]').forEach(function (r) {
      r.addEventListener('change', function () { if (r.checked) setView(r.value); });
    });
    var labels = root.querySelector('input[name="labels"]');
    if (labels && svg) labels.addEventListener('change', function () { svg.classList.toggle('labels', labels.checked); });

    // ---------------------------------------------------------------- units: the sample shown
    function showSample(b) {
      if (!svg) return;
      sample = b;
      var input = Array.isArray(spec.input[0]) ? spec.input[b] : spec.input;
      svg.querySelectorAll('[data-unit^="in,"]').forEach(function (g) {
        var i = parseInt(g.getAttribute('data-unit').split(',')[1], 10);
        g.querySelector('.val').textContent = fmt(input[i]);
      });
      svg.querySelectorAll('[data-unit]:not([data-unit^="in,"])').forEach(function (g) {
        var p = g.getAttribute('data-unit').split(',').map(Number);
        var st = solution.layers[p[0]];
        var net = Array.isArray(st.net[0]) ? st.net[b] : st.net;
        var out = Array.isArray(st.output[0]) ? st.output[b] : st.output;
        g.querySelector('.net').textContent = 'net ' + fmt(net[p[1]]);
        g.querySelector('.out').textContent = 'out ' + fmt(out[p[1]]);
      });
    }
    var pick = root.querySelector('select[name="sample"]');
    if (pick) pick.addEventListener('change', function () { showSample(parseInt(pick.value, 10)); });

    // ---------------------------------------------------------------- a weight's chain-rule path
    function clear() {
      if (!svg) return;
      svg.classList.remove('has-path');
      svg.querySelectorAll('.on-path, .selected').forEach(function (e) { e.classList.remove('on-path', 'selected'); });
      edges.forEach(function (e) { e.setAttribute('aria-pressed', 'false'); });
      if (panel) panel.innerHTML = panelIntro;
    }
    function select(edge) {
      clear();
      var p = edge.getAttribute('data-weight').split(',').map(Number);
      var on = pathOf(spec, p[0], p[1], p[2]);
      on.weights.forEach(function (w) {
        var e = svg.querySelector('[data-weight="' + w.join(',') + '"]');
        if (e) e.classList.add('on-path');
      });
      on.units.forEach(function (u) {
        var e = svg.querySelector('[data-unit="' + u.join(',') + '"]');
        if (e) e.classList.add('on-path');
      });
      on.toLoss.forEach(function (k) {
        var e = svg.querySelector('[data-to-loss="' + k + '"]');
        if (e) e.classList.add('on-path');
      });
      var loss = svg.querySelector('[data-loss]');
      if (loss) loss.classList.add('on-path');
      edge.classList.add('selected');
      edge.setAttribute('aria-pressed', 'true');
      svg.classList.add('has-path');
      var chain = root.querySelector('#chain-' + p.join('-'));
      if (panel) {
        if (chain) {
          panel.innerHTML = '<p class="panel-what">' + chain.querySelector('summary').innerHTML + '</p>'
            + chain.querySelector('.chain-body').innerHTML
            + '<p><a href="#chain-' + p.join('-') + '">This weight in the chain rule section</a></p>';
        } else {
          panel.innerHTML = '<p>' + edge.getAttribute('aria-label') + '</p>';
        }
      }
      var box = root.querySelector('#chain-panel');
      if (box && box.getBoundingClientRect().top > window.innerHeight - 80) box.scrollIntoView({ block: 'nearest' });
    }
    // one Tab stop for the drawing: the arrow keys move between the weights (Home, End: the first, the last)
    function focusEdge(k) {
      edges.forEach(function (e, n) { e.setAttribute('tabindex', n === k ? '0' : '-1'); });
      edges[k].focus();
    }
    edges.forEach(function (e, n) {
      e.setAttribute('tabindex', n === 0 ? '0' : '-1');
      e.addEventListener('click', function (ev) { ev.stopPropagation(); select(e); });
      e.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(e); }
        else if (ev.key === 'Escape') { clear(); }
        else if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') { ev.preventDefault(); focusEdge((n + 1) % edges.length); }
        else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') { ev.preventDefault(); focusEdge((n + edges.length - 1) % edges.length); }
        else if (ev.key === 'Home') { ev.preventDefault(); focusEdge(0); }
        else if (ev.key === 'End') { ev.preventDefault(); focusEdge(edges.length - 1); }
      });
    });
    if (svg) {
      svg.addEventListener('click', function () { clear(); });
      svg.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') clear(); });
    }
    root.querySelectorAll('a[href^="#chain-"]').forEach(function (a) {
      a.addEventListener('click', function () {
        var d = root.querySelector(a.getAttribute('href'));
        if (d && d.tagName === 'DETAILS') d.open = true;
      });
    });
    window.addEventListener('beforeprint', function () {
      root.querySelectorAll('details').forEach(function (d) { d.open = true; });
    });
    showSample(0);
    var start = steps.indexOf((location.hash || '').slice(1));
    go(start < 0 ? 0 : start, false);
  }

  /** Marks the workbench's fields from a grading ({@code HtmlRenderer.grading}): data-correct, the true value, why. */
  function applyGrading(root, grading) {
    root = root || document;
    root.querySelectorAll('input.given[data-path]').forEach(function (input) {
      var m = grading ? grading.marks[input.getAttribute('data-path')] : null;
      var cell = input.parentNode;
      var verdict = cell.querySelector('.verdict');
      var truth = cell.querySelector('.truth');
      var why = cell.querySelector('.why');
      if (!m) {
        input.removeAttribute('data-correct');
        cell.classList.remove('wrong');
        verdict.textContent = '';
        truth.textContent = '';
        why.innerHTML = '';
        return;
      }
      input.setAttribute('data-correct', String(m.correct));
      cell.classList.toggle('wrong', !m.correct);
      verdict.textContent = m.correct ? '✓' : '✗';
      verdict.setAttribute('aria-label', m.correct ? 'correct' : 'wrong');
      truth.textContent = m.correct ? '' : 'true ' + m.truth;
      why.innerHTML = m.correct ? '' : m.why;
    });
    var summary = root.querySelector('#summary');
    if (summary && grading) summary.innerHTML = grading.summary;
  }

  window.backprop4j = { init: init, applyGrading: applyGrading, pathOf: pathOf };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { init(document); });
  else init(document);
})();
