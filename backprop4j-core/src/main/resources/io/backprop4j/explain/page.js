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
    // image layers (conv2d, pooling, flatten) come before the dense ones: a dense weight's path runs through dense layers only
    var units = layers.map(function (l) { return l.type && l.type !== 'dense' ? 0 : l.weights[0].length; });
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

  /** The cells whose products make the gradient of kernel weight (L, o, c, u, v), from the shapes the drawing carries. */
  function tapsOf(svg, L, o, c, u, v) {
    var g = svg.querySelector('.kernels[data-layer="' + L + '"]');
    var s = parseInt(g.getAttribute('data-stride'), 10);
    var p = parseInt(g.getAttribute('data-padding'), 10);
    var inKey = L === 0 ? 'in' : String(L - 1);
    var is = shapeOf(svg, inKey);
    var os = shapeOf(svg, String(L));
    var on = { inputs: [], outputs: [] };
    for (var i = 0; i < os[1]; i++) {
      for (var j = 0; j < os[2]; j++) {
        var y = i * s - p + u;
        var x = j * s - p + v;
        if (y < 0 || y >= is[1] || x < 0 || x >= is[2]) continue;
        on.inputs.push([inKey, c, y, x]);
        on.outputs.push([L, o, i, j]);
      }
    }
    return on;
  }

  function shapeOf(svg, key) {
    return svg.querySelector('.maps[data-layer="' + key + '"]').getAttribute('data-shape').split(',').map(Number);
  }

  function flatten(a, out) {
    out = out || [];
    if (Array.isArray(a)) a.forEach(function (x) { flatten(x, out); }); else out.push(a);
    return out;
  }

  function short(v) {
    // three significant digits, to fit a cell (the title has them all)
    if (v === 0) return '0';
    var a = Math.abs(v);
    if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
    var e = v.toExponential(1).split('e');
    return e[0].replace('.0', '') + 'e' + parseInt(e[1], 10);
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
    // what can be selected, left to right: kernel weights and pooling cells, then the dense weights
    var lines = svg ? Array.prototype.slice.call(svg.querySelectorAll('.edge')) : [];
    var edges = svg ? Array.prototype.slice.call(svg.querySelectorAll('.kcell, .cell[data-pool]')).concat(lines) : [];
    var conv = !!(svg && svg.classList.contains('conv'));
    function value(e, v) {
      var a = e.getAttribute('data-' + v);
      return a === null ? NaN : parseFloat(a);
    }
    function setView(v) {
      if (!svg) return;
      view = v;
      var max = 0;
      lines.forEach(function (e) { max = Math.max(max, Math.abs(value(e, v))); });
      lines.forEach(function (e) {
        var x = value(e, v);
        var wire = e.querySelector('.wire');
        e.classList.remove('pos', 'neg', 'zero');
        e.classList.add(x > 0 ? 'pos' : x < 0 ? 'neg' : 'zero');
        wire.setAttribute('stroke-width', (max > 0 ? 0.75 + 6.25 * Math.sqrt(Math.abs(x) / max) : 1).toFixed(1));
        e.querySelector('.elabel').textContent = fmt(x);
      });
      svg.querySelectorAll('.kernels').forEach(function (k) {
        var cells = Array.prototype.slice.call(k.querySelectorAll('.kcell'));
        var m = 0;
        cells.forEach(function (e) { m = Math.max(m, Math.abs(value(e, v))); });
        cells.forEach(function (e) { paint(e, value(e, v), m); });
      });
      if (conv) showCells();
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
      svg.querySelectorAll('.unit.input[data-unit^="in,"]').forEach(function (g) {
        var i = parseInt(g.getAttribute('data-unit').split(',')[1], 10);
        g.querySelector('.val').textContent = fmt(input[i]);
      });
      svg.querySelectorAll('.unit[data-unit]:not([data-unit^="in,"])').forEach(function (g) {
        var p = g.getAttribute('data-unit').split(',').map(Number);
        var st = solution.layers[p[0]];
        var net = Array.isArray(st.net[0]) ? st.net[b] : st.net;
        var out = Array.isArray(st.output[0]) ? st.output[b] : st.output;
        g.querySelector('.net').textContent = 'net ' + fmt(net[p[1]]);
        g.querySelector('.out').textContent = 'out ' + fmt(out[p[1]]);
      });
      if (conv) showCells();
    }

    // ---------------------------------------------------------------- feature maps: the sample and the view shown
    var flatCache = {};
    /** Layer key's field ('in': the input), flat, all samples. */
    function field(key, f) {
      var k = key + ' ' + f;
      if (!(k in flatCache)) flatCache[k] = key === 'in' ? flatten(spec.input) : flatten(solution.layers[parseInt(key, 10)][f]);
      return flatCache[k];
    }
    /** A cell: the square coloured by the sign, its opacity by the magnitude, and the value. */
    function paint(e, x, max) {
      var r = e.querySelector('rect');
      r.setAttribute('class', x > 0 ? 'pos' : x < 0 ? 'neg' : 'zero');
      r.setAttribute('fill-opacity', x === 0 || !(max > 0) ? '0' : (0.08 + 0.62 * Math.sqrt(Math.abs(x) / max)).toFixed(2));
      e.querySelector('.cv').textContent = short(x);
    }
    /** The values a group of cells shows for the view: ∂L/∂net (conv) or ∂L/∂out (pooling, flatten) for gradients; the input's values always. */
    function cellValues(g) {
      var key = g.getAttribute('data-layer');
      var f = 'output';
      if (key !== 'in' && view === 'g') f = solution.layers[parseInt(key, 10)].net_grad ? 'net_grad' : 'output_grad';
      var all = field(key, f);
      var cells = g.querySelectorAll('.cell');
      var n = cells.length;
      return all.length >= (sample + 1) * n ? all.slice(sample * n, (sample + 1) * n) : all.slice(0, n);
    }
    function showCells() {
      svg.querySelectorAll('.maps, .flat[data-layer]').forEach(function (g) {
        var vals = cellValues(g);
        var max = 0;
        vals.forEach(function (x) { max = Math.max(max, Math.abs(x)); });
        g.querySelectorAll('.cell').forEach(function (e) { paint(e, vals[parseInt(e.getAttribute('data-k'), 10)], max); });
      });
    }
    var pick = root.querySelector('select[name="sample"]');
    if (pick) pick.addEventListener('change', function () { showSample(parseInt(pick.value, 10)); });

    // ---------------------------------------------------------------- a weight's chain-rule path
    function clear() {
      if (!svg) return;
      svg.classList.remove('has-path');
      svg.querySelectorAll('.on-path, .selected, .winner').forEach(function (e) { e.classList.remove('on-path', 'selected', 'winner'); });
      edges.forEach(function (e) { e.setAttribute('aria-pressed', 'false'); });
      if (panel) panel.innerHTML = panelIntro;
    }
    function light(key) {
      var e = svg.querySelector('[data-unit="' + key.join(',') + '"]');
      if (e) e.classList.add('on-path');
      return e;
    }
    /** A kernel weight: the input cells and ∂L/∂net cells of its gradient's terms. */
    function selectKernel(edge) {
      var p = edge.getAttribute('data-weight').split(',').map(Number);
      var on = tapsOf(svg, p[0], p[1], p[2], p[3], p[4]);
      on.inputs.forEach(light);
      on.outputs.forEach(light);
      return p;
    }
    /** A pooling cell: its window, and the input that won it (max, for the sample shown). */
    function selectPool(cell) {
      var p = cell.getAttribute('data-unit').split(',').map(Number);
      var layer = spec.layers[p[0]];
      var k = layer.kernel;
      var s = layer.stride === undefined ? k : layer.stride;
      var inKey = p[0] === 0 ? 'in' : String(p[0] - 1);
      var is = shapeOf(svg, inKey);
      var all = field(inKey, 'output');
      var n = is[0] * is[1] * is[2];
      var vals = all.length >= (sample + 1) * n ? all.slice(sample * n, (sample + 1) * n) : all.slice(0, n);
      var best = null;
      var terms = [];
      for (var a = 0; a < k; a++) {
        for (var b = 0; b < k; b++) {
          var y = p[2] * s + a;
          var x = p[3] * s + b;
          var e = light([inKey, p[1], y, x]);
          var v = vals[(p[1] * is[1] + y) * is[2] + x];
          terms.push(fmt(v));
          if (best === null || v > best.v) best = { v: v, e: e, y: y, x: x };
        }
      }
      var max = layer.type === 'max_pool2d';
      if (max && best.e) best.e.classList.add('winner');
      var out = field(String(p[0]), 'output');
      var m = cell.closest('.maps').querySelectorAll('.cell').length;
      var mine = out[(out.length >= (sample + 1) * m ? sample * m : 0) + parseInt(cell.getAttribute('data-k'), 10)];
      var name = (cell.getAttribute('aria-label') || '').split(' (')[0];
      if (panel) {
        panel.innerHTML = '<p class="panel-what">' + name + (max ? ' = max(' + terms.join(', ') + ') = ' : ' = (' + terms.join(' + ') + ')/' + terms.length + ' = ')
          + fmt(mine) + '</p><p>' + (max ? 'The input at channel ' + (p[1] + 1) + ', row ' + (best.y + 1) + ', column ' + (best.x + 1)
          + ' wins the window (outlined); the gradient of this cell goes back to it alone.'
          : 'Each of the ' + terms.length + ' inputs of the window counts 1/' + terms.length + '; the gradient of this cell goes back to each of them divided by ' + terms.length + '.')
          + (pick ? ' (sample ' + (sample + 1) + ')' : '')
          + '</p>';
      }
    }
    function select(edge) {
      clear();
      if (edge.hasAttribute('data-pool')) {
        selectPool(edge);
        edge.classList.add('selected');
        edge.setAttribute('aria-pressed', 'true');
        svg.classList.add('has-path');
        return;
      }
      if (edge.classList.contains('kcell')) {
        var q = selectKernel(edge);
        edge.classList.add('selected', 'on-path');
        edge.setAttribute('aria-pressed', 'true');
        svg.classList.add('has-path');
        showChain(edge, q);
        return;
      }
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
      showChain(edge, p);
    }
    /** The worked gradient of the selected weight in the panel, from its chain-rule section. */
    function showChain(edge, p) {
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
