// Appended by ReportBrowserTest to a copy of a report: measures what a reader would see and
// lists every problem in <pre id="ncj-geometry">: two labels of a plot overlapping or touching, a label
// sticking out of its plot, a data series of a plot that no pixel of the page shows.
(function () {
  var problems = [];
  var plots = document.querySelectorAll('svg.plot');
  function name(t) { return '"' + t.textContent.trim() + '"'; }
  for (var p = 0; p < plots.length; p++) {
    var plot = plots[p];
    plot.scrollIntoView({block: 'center'});
    var box = plot.getBoundingClientRect();
    var texts = Array.prototype.filter.call(plot.querySelectorAll('text'), function (t) { return t.textContent.trim().length > 0; });
    var rects = texts.map(function (t) { return t.getBoundingClientRect(); });
    for (var i = 0; i < texts.length; i++) {
      var r = rects[i];
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
        problems.push(plot.id + ': ' + name(texts[i]) + ' sticks out of the plot');
      }
      for (var j = i + 1; j < texts.length; j++) {
        var q = rects[j];
        var w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
        var h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
        // Side by side on one line, labels closer than 3 px read as one ("seed2@30seed2@600").
        if (h > 1 && w > -3) {
          problems.push(plot.id + ': ' + name(texts[i]) + (w > 1 ? ' overlaps ' : ' touches ') + name(texts[j]));
        }
      }
    }
    var series = {};
    Array.prototype.forEach.call(plot.querySelectorAll('.mark[data-series]'), function (m) {
      if (m.tagName !== 'path') { (series[m.getAttribute('data-series')] = series[m.getAttribute('data-series')] || []).push(m); }
    });
    Object.keys(series).forEach(function (s) {
      var seen = false;
      for (var k = 0; k < series[s].length && !seen; k++) {
        var m = series[s][k];
        var b = m.getBoundingClientRect();
        for (var a = 0; a < 5 && !seen; a++) {
          for (var c = 0; c < 5 && !seen; c++) {
            var el = document.elementFromPoint(b.left + b.width * (a + 0.5) / 5, b.top + b.height * (c + 0.5) / 5);
            seen = el !== null && el.getAttribute('data-series') === s;
          }
        }
      }
      if (!seen) { problems.push(plot.id + ': series ' + s + ' is drawn but hidden under other marks'); }
    });
  }
  var out = document.createElement('pre');
  out.id = 'ncj-geometry';
  out.setAttribute('data-problems', String(problems.length));
  out.textContent = problems.join('\n');
  document.body.appendChild(out);
})();
