/**
 * The console's small building blocks. Each one is accessible by construction: a link is a real
 * link, a table that may scroll sideways is a focusable, named region, a status badge says its
 * state in words (colour only repeats it), and errors are announced.
 */
import type { ComponentChildren, TargetedMouseEvent } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { hrefOf, type Route } from './router';
import { hasNavigated, isPlainClick, navigate } from './navigation';
import { humanize } from './format';

/** A link to a console page: a real `<a href>`, handled in place on a plain click. */
export function Link(props: { to: Route | string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' | undefined; 'aria-label'?: string }) {
  const href = typeof props.to === 'string' ? props.to : hrefOf(props.to);
  const onClick = (e: TargetedMouseEvent<HTMLAnchorElement>) => {
    if (!isPlainClick(e)) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} class={props.class} aria-current={props['aria-current']} aria-label={props['aria-label']}>
      {props.children}
    </a>
  );
}

/** The page's heading: focused when the operator moves to the page, so a screen reader starts there and Tab continues from it. */
export function PageTitle(props: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Tracepool console`;
    if (hasNavigated()) ref.current?.focus({ preventScroll: true });
  }, [props.title]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {props.children}
    </h1>
  );
}

export function ErrorNote(props: { error: Error | string; children?: ComponentChildren }) {
  return (
    <div class="note error" role="alert">
      <strong>Error:</strong> {typeof props.error === 'string' ? props.error : props.error.message}
      {props.children}
    </div>
  );
}

export function Loading(props: { what?: string }) {
  return (
    <p class="muted" role="status">
      Loading{props.what ? ` ${props.what}` : ''}…
    </p>
  );
}

const TONES: Readonly<Record<string, string>> = {
  healthy: 'good',
  completed: 'good',
  available: 'good',
  resolved: 'good',
  enabled: 'good',
  on: 'good',
  degraded: 'warn',
  warning: 'warn',
  leased: 'info',
  running: 'info',
  queued: 'info',
  retry_scheduled: 'warn',
  cooldown: 'warn',
  paused: 'warn',
  critical: 'bad',
  failed: 'bad',
  dead_lettered: 'bad',
  timeout: 'bad',
  unhealthy: 'bad',
  disabled: 'muted',
  deleted: 'muted',
};

/** A state in words, tinted by what it means. */
export function Badge(props: { value: string; label?: string }) {
  return <span class={`badge ${TONES[props.value] ?? 'muted'}`}>{props.label ?? humanize(props.value)}</span>;
}

/** A table that scrolls sideways on a narrow screen, reachable and named for the keyboard. */
export function TableRegion(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={props.label} tabIndex={0}>
      {props.children}
    </div>
  );
}

/** One figure with its label and an optional second line. */
export function Stat(props: { label: string; value: ComponentChildren; detail?: ComponentChildren }) {
  return (
    <div class="stat">
      <dt>{props.label}</dt>
      <dd>
        <span class="stat-value">{props.value}</span>
        {props.detail !== undefined && <span class="stat-detail">{props.detail}</span>}
      </dd>
    </div>
  );
}

/** A labelled form field; `hint` is tied to the control as its description. */
export function Field(props: { id: string; label: string; hint?: string; children: (describedBy: string | undefined) => ComponentChildren }) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children(hintId)}
      {props.hint && (
        <span class="hint" id={hintId}>
          {props.hint}
        </span>
      )}
    </div>
  );
}

/** A section with a heading that names it for assistive technology. */
export function Section(props: { id: string; title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section aria-labelledby={props.id} class="card">
      <div class="section-head">
        <h2 id={props.id}>{props.title}</h2>
        {props.actions}
      </div>
      {props.children}
    </section>
  );
}

/** A labelled choice among fixed options. */
export function SelectField<V extends string>(props: {
  id: string;
  label: string;
  value: V;
  options: readonly { readonly value: V; readonly label: string }[];
  onChange: (value: V) => void;
  hint?: string;
}) {
  return (
    <Field id={props.id} label={props.label} hint={props.hint}>
      {(describedBy) => (
        <select id={props.id} value={props.value} aria-describedby={describedBy} onChange={(e) => props.onChange(e.currentTarget.value as V)}>
          {props.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export type Column = string | { readonly label: string; readonly numeric?: boolean };

/** A table's column headings (numeric ones aligned right, as their cells). */
export function Columns(props: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((c) => {
          const col = typeof c === 'string' ? { label: c } : c;
          return (
            <th scope="col" class={'numeric' in col && col.numeric ? 'n' : undefined} key={col.label}>
              {col.label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}

/** A row of fields that filters or picks what the page shows (a search landmark, unless it acts). */
export function FilterForm(props: { label: string; onSubmit: () => void | Promise<void>; search?: boolean; children: ComponentChildren }) {
  return (
    <form
      class="filters"
      role={props.search === false ? undefined : 'search'}
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSubmit();
      }}
    >
      {props.children}
    </form>
  );
}

/** How far a long operation has got: a labelled progress bar and what it has done so far, announced politely. */
export function ProgressReport(props: { id: string; label: string; value: number; max: number; children: ComponentChildren }) {
  return (
    <div aria-live="polite">
      <label for={props.id}>{props.label}</label> <progress id={props.id} max={props.max} value={props.value} />
      {props.children}
    </div>
  );
}
