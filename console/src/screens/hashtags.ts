// Hashtags: one tag's analysis over the last complete UTC days, from the
// tenant's own creators or public videos. The key figures come from the JSON
// answer; the chart is the same query as SVG, fetched with the key and shown
// through a blob: URL in an <img>, never as markup.

import { field, h, replace } from '../dom';
import { reportError, showError, showStatus } from '../notice';
import { heading, type ScreenContext } from '../screen';
import { formatWhen } from '../time';
import type { Analysis } from '../types';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const num = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined ? '–' : n.toLocaleString(undefined, { maximumFractionDigits: digits });
const pct = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${(n * 100).toFixed(2)} %`);

function figures(a: Analysis): HTMLElement {
  const m = a.metrics;
  const rows: [string, string][] = [
    ['Videos analysed', `${num(m.sample.videos)}${m.sample.small ? ` (a small sample: under ${m.sample.small_below})` : ''}`],
    ['Views', `${num(m.views.total)} in total; median ${num(m.views.median)}, p90 ${num(m.views.p90)}`],
    ['Likes / comments / shares', `${num(m.likes.total)} / ${num(m.comments.total)} / ${num(m.shares.total)}`],
    ['Engagement rate', `${pct(m.engagement.overall_rate)} overall; median ${pct(m.engagement.median)} over ${num(m.engagement.rated_videos)} videos with views`],
    ['Views per hour', `median ${num(m.velocity.median_views_per_hour, 1)}, p90 ${num(m.velocity.p90_views_per_hour, 1)}`],
    ['Trend', `${m.trend.direction.replace(/_/g, ' ')} (${num(m.trend.first_half_videos)} videos in the first half, ${num(m.trend.second_half_videos)} in the second)`],
    [
      `Best times to post (${m.heatmap.timezone})`,
      m.heatmap.best_windows.length
        ? m.heatmap.best_windows.slice(0, 3).map((c) => `${WEEKDAYS[c.weekday] ?? c.weekday} ${String(c.hour).padStart(2, '0')}:00 (${pct(c.median_engagement_rate)})`).join('; ')
        : 'not enough videos to say',
    ],
    [
      'Tags seen with it',
      m.co_hashtags.items.length
        ? m.co_hashtags.items.slice(0, 8).map((t) => `#${t.tag} ${(t.share * 100).toFixed(0)} %${t.lift ? ` (lift ${t.lift.toFixed(1)})` : ''}`).join(', ')
        : 'none',
    ],
    ['Top creators', m.top_creators.length ? m.top_creators.slice(0, 5).map((c) => `${c.creator} (${num(c.views)} views)`).join(', ') : 'none'],
    ['Computed', formatWhen(new Date(a.computed_at))],
  ];
  if (a.quota) rows.push(['Research quota', `${num(a.quota.requests_used)} of ${num(a.quota.requests_limit)} requests used on ${a.quota.day}`]);
  return h('dl', { class: 'facts', 'data-testid': 'hashtag-figures' }, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function answerHeader(a: Analysis): HTMLElement[] {
  const w = a.window;
  const where = [`Source: ${a.source === 'own' ? 'your connected accounts' : 'public videos (Research API)'}`, `Window: ${w.start} to ${w.end} (${w.days} days, UTC)`];
  if (a.region) where.push(`Region: ${a.region}`);
  const notes: HTMLElement[] = [h('h2', {}, `#${a.tag}`), h('p', { 'data-testid': 'hashtag-answer-meta' }, where.join(' · '))];
  if (a.partial) notes.push(h('p', { class: 'warning' }, `Partial result (${a.partial_reasons.join(', ').replace(/_/g, ' ')}): some videos could not be fetched.`));
  if (a.reauth_accounts.length) notes.push(h('p', { class: 'warning' }, `Missing the videos of ${a.reauth_accounts.length} account(s) that need to be reconnected.`));
  if (a.summary.status === 'ok') notes.push(h('p', { class: 'summary' }, a.summary.text));
  return notes;
}

export function renderHashtags(ctx: ScreenContext): void {
  const { api, signal, root } = ctx;
  const tag = h('input', { type: 'text', required: true, autocomplete: 'off', 'data-testid': 'hashtag-tag' });
  const source = h('select', { 'data-testid': 'hashtag-source' }, h('option', { value: 'own' }, 'My connected accounts'), h('option', { value: 'research' }, 'Public videos (Research API)'));
  const days = h('input', { type: 'number', min: 7, max: 30, step: 1, value: 7, required: true, 'data-testid': 'hashtag-days' });
  const region = h('input', { type: 'text', maxlength: 2, autocomplete: 'off', 'data-testid': 'hashtag-region' });
  const account = h('select', { 'data-testid': 'hashtag-account' }, h('option', { value: '' }, 'All connected accounts'));
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'hashtag-submit' }, 'Analyse');
  const regionField = field('Region (optional)', region, 'Two letters, e.g. US or FR.');
  const accountField = field('Account', account);
  const result = h('section', { 'aria-busy': 'false', 'data-testid': 'hashtag-result', 'aria-label': 'Analysis' });
  let chartUrl: string | null = null;
  const forgetChart = () => {
    if (chartUrl) URL.revokeObjectURL(chartUrl);
    chartUrl = null;
  };
  signal.addEventListener('abort', forgetChart, { once: true });

  const applySource = () => {
    regionField.hidden = source.value !== 'research';
    accountField.hidden = source.value !== 'own';
  };
  source.addEventListener('change', applySource);
  applySource();

  const form = h(
    'form',
    { class: 'card', 'data-testid': 'hashtag-form', 'aria-label': 'Hashtag analysis' },
    field('Hashtag', tag, 'With or without #: letters, digits and _.'),
    field('Videos from', source),
    field('Days (the last complete UTC days, 7 to 30)', days),
    regionField,
    accountField,
    h('div', { class: 'actions' }, submit),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = tag.value.trim().replace(/^#/, '');
    const n = Number(days.value);
    if (!name) return showError('Enter a hashtag.');
    if (!Number.isInteger(n) || n < 7 || n > 30) return showError('Days must be a whole number from 7 to 30.');
    if (source.value === 'research' && region.value && !/^[A-Za-z]{2}$/.test(region.value)) return showError('A region is two letters.');
    const q = new URLSearchParams({ source: source.value, days: String(n) });
    if (source.value === 'research' && region.value) q.set('region', region.value.toUpperCase());
    if (source.value === 'own' && account.value) q.set('account_id', account.value);

    submit.disabled = true;
    result.setAttribute('aria-busy', 'true');
    replace(result);
    showStatus('Analysing… this can take a few seconds.');
    forgetChart();
    try {
      const answer = await api.analysis(name, q);
      replace(result, answerHeader(answer), figures(answer));
      // The same query again, as SVG (a cache hit when the answer was complete);
      // the figures above stay whatever the chart does.
      const chart = await api.analysisChart(name, q);
      chartUrl = URL.createObjectURL(chart);
      const img = h('img', {
        src: chartUrl,
        'data-testid': 'hashtag-chart',
        alt: `Chart for #${answer.tag}: videos and views per day from ${answer.window.start} to ${answer.window.end}; the figures are listed above.`,
      });
      result.append(h('figure', { class: 'chart' }, img));
      showStatus(`Analysis of #${answer.tag} ready.`);
    } catch (err) {
      showStatus('');
      reportError(err);
    } finally {
      submit.disabled = false;
      result.setAttribute('aria-busy', 'false');
    }
  });

  root.append(heading('Hashtags'), form, result);
  void api
    .accounts()
    .then((accounts) => {
      for (const a of accounts) account.append(h('option', { value: a.id }, `${a.display_name}${a.status === 'ACTIVE' ? '' : ` (${a.status})`}`));
    })
    .catch(reportError);
}
