/*
 * The pilot dashboard's charts (Chart.js, served locally) drawn from the JSON data block the
 * server embeds (#pilot-data), and the report's print button. The tables on the page hold
 * the same figures, so nothing is lost without JavaScript.
 */
(function () {
  'use strict';

  var printButton = document.querySelector('[data-print]');
  if (printButton) printButton.addEventListener('click', function () { window.print(); });

  var dataBlock = document.getElementById('pilot-data');
  if (!dataBlock || typeof window.Chart === 'undefined') return;
  var data = JSON.parse(dataBlock.textContent || '{}');
  var Chart = window.Chart;
  var reducedMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  // Colours with at least 3:1 contrast against white (WCAG 1.4.11 for graphics).
  var GROUP_COLOURS = {
    passkey: '#0b4f8a',
    'hardware-key': '#1f7a4d',
    'psc-card': '#8a4b08',
    'psc-ecps': '#7b2d8e',
    'ecps-and-key': '#0e6e7a',
    other: '#5a6470'
  };
  var SERIES_COLOURS = { linked: '#5a6470', withKey: '#1f7a4d', active: '#0b4f8a' };

  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#1b1f24';
  Chart.defaults.animation = reducedMotion ? false : Chart.defaults.animation;
  Chart.defaults.maintainAspectRatio = false;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }

  draw('chart-sign-ins', {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: data.signIns.map(function (s) { return { label: s.label, data: s.data, backgroundColor: GROUP_COLOURS[s.group] || '#5a6470' }; })
    },
    options: {
      plugins: { title: { display: true, text: document.getElementById('chart-sign-ins').getAttribute('aria-label') } },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
    }
  });

  draw('chart-adoption', {
    type: 'line',
    data: {
      labels: data.labels,
      datasets: data.adoption.map(function (s) {
        return { label: s.label, data: s.data, borderColor: SERIES_COLOURS[s.series], backgroundColor: SERIES_COLOURS[s.series], pointRadius: 0, borderWidth: 2, borderDash: s.series === 'linked' ? [6, 4] : [] };
      })
    },
    options: {
      plugins: { title: { display: true, text: document.getElementById('chart-adoption').getAttribute('aria-label') } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  });

  draw('chart-groups', {
    type: 'bar',
    data: {
      labels: data.groups.labels,
      datasets: [{ label: document.getElementById('chart-groups').getAttribute('aria-label'), data: data.groups.data, backgroundColor: '#0b4f8a' }]
    },
    options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  draw('chart-funnel', {
    type: 'bar',
    data: {
      labels: data.funnel.labels,
      datasets: [{ label: document.getElementById('chart-funnel').getAttribute('aria-label'), data: data.funnel.data, backgroundColor: ['#5a6470', '#0e6e7a', '#1f7a4d', '#8a4b08'] }]
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
}());
