/**
 * A bar chart in plain SVG (no library, nothing inline for the CSP: colours come from styles.css
 * classes): one group of bars per hour, a value axis with rounded ticks, and a legend. For
 * assistive technology the figure is named, and its numbers are a table under it.
 */
import type { Ref } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { hourLabel, labelEvery, niceScale, ticks } from './chart-scale';
import { formatCount } from './format';
import { TableRegion } from './ui';

export interface Series {
  readonly name: string;
  /** A class of styles.css: series-1 … series-3. */
  readonly tone: 'series-1' | 'series-2' | 'series-3';
  readonly values: readonly number[];
}

const HEIGHT = 220;
const PAD = { left: 44, right: 8, top: 10, bottom: 26 };

/** The figure's width in CSS pixels, followed as the window resizes: the chart is drawn at that width, so its text keeps its size. */
function useWidth(fallback: number): [Ref<HTMLElement>, number] {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.max(280, Math.round(entry.contentRect.width))));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export function BarChart(props: { id: string; title: string; hours: readonly string[]; series: readonly Series[]; summary: string }) {
  const { hours, series } = props;
  const [figure, width] = useWidth(720);
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const scale = niceScale(max);
  const plotW = width - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const groupW = hours.length ? plotW / hours.length : plotW;
  const barW = Math.max(1, (groupW * 0.8) / Math.max(1, series.length));
  const y = (v: number) => PAD.top + plotH - (v / scale.top) * plotH;
  const every = labelEvery(hours.length, plotW);
  const titleId = `${props.id}-title`;
  return (
    <figure class="chart" ref={figure}>
      <figcaption id={titleId}>{props.title}</figcaption>
      <ul class="legend" aria-hidden="true">
        {series.map((s) => (
          <li key={s.name}>
            <span class={`swatch ${s.tone}`} />
            {s.name}
          </li>
        ))}
      </ul>
      <svg viewBox={`0 0 ${width} ${HEIGHT}`} role="img" aria-labelledby={titleId} aria-describedby={`${props.id}-summary`}>
        {ticks(scale).map((t) => (
          <g key={t} class="tick">
            <line x1={PAD.left} x2={width - PAD.right} y1={y(t)} y2={y(t)} />
            <text x={PAD.left - 6} y={y(t) + 4} text-anchor="end">
              {formatCount(t)}
            </text>
          </g>
        ))}
        {hours.map((hour, i) => (
          <g key={hour}>
            {series.map((s, j) => {
              const v = s.values[i] ?? 0;
              return (
                <rect key={s.name} class={s.tone} x={PAD.left + i * groupW + groupW * 0.1 + j * barW} y={y(v)} width={barW} height={Math.max(0, PAD.top + plotH - y(v))} />
              );
            })}
            {i % every === 0 && (
              <text class="axis-label" x={PAD.left + i * groupW + groupW / 2} y={HEIGHT - 8} text-anchor="middle">
                {hourLabel(hour, i === 0)}
              </text>
            )}
          </g>
        ))}
      </svg>
      <p class="visually-hidden" id={`${props.id}-summary`}>
        {props.summary}
      </p>
      <details>
        <summary>The figures</summary>
        <TableRegion label={`${props.title}: figures`}>
          <table>
            <thead>
              <tr>
                <th scope="col">Hour (UTC)</th>
                {series.map((s) => (
                  <th scope="col" class="n" key={s.name}>
                    {s.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {hours.map((hour, i) => (
                <tr key={hour}>
                  <th scope="row">{hour.slice(0, 13).replace('T', ' ')}:00</th>
                  {series.map((s) => (
                    <td class="n" key={s.name}>
                      {formatCount(s.values[i] ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      </details>
    </figure>
  );
}
