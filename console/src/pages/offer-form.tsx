// The offer form, for a new offer and for an edit (which keeps the offer's id).
import { useState } from 'preact/hooks';
import type { TargetedEvent } from 'preact';
import { useConsole } from '../context';
import { emptyOfferForm, offerBody, offerFormErrors, offerFormOf, type OfferFormValues } from '../offer-form';
import { ErrorNote, Field, SelectField } from '../ui';
import type { Offer } from '../types';

type TextField = 'offerId' | 'name' | 'redirectUrl' | 'trackingUrl' | 'country';

const DEVICES = [
  { value: 'desktop', label: 'Desktop' },
  { value: 'mobile', label: 'Mobile' },
] as const;
const MODES = [
  { value: 'auto', label: 'Auto' },
  { value: 'http', label: 'HTTP only' },
  { value: 'browser', label: 'Browser' },
] as const;

export function OfferForm(props: { offer?: Offer; onSaved: (offer: Offer, created: boolean) => void; onCancel: () => void }) {
  const { api } = useConsole();
  const editing = props.offer !== undefined;
  const [values, setValues] = useState<OfferFormValues>(props.offer ? offerFormOf(props.offer) : emptyOfferForm());
  const [errors, setErrors] = useState<ReturnType<typeof offerFormErrors>>({});
  const [failure, setFailure] = useState<Error>();
  const [saving, setSaving] = useState(false);
  const idPrefix = editing ? 'edit-offer' : 'new-offer';
  const set = <K extends keyof OfferFormValues>(key: K, value: OfferFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = offerFormErrors(values);
    setErrors(found);
    setFailure(undefined);
    const first = Object.keys(found)[0];
    if (first) return document.getElementById(`${idPrefix}-${first}`)?.focus();
    setSaving(true);
    try {
      const { status, body } = await api.callWithStatus<Offer>(`/admin/offers/${encodeURIComponent(values.offerId.trim())}`, {
        method: 'PUT',
        body: offerBody(values, props.offer),
      });
      props.onSaved(body, status === 201);
    } catch (caught) {
      setFailure(caught as Error);
    } finally {
      setSaving(false);
    }
  };

  const text = (key: TextField, label: string, options: { hint?: string; url?: boolean; required?: boolean; disabled?: boolean; placeholder?: string } = {}) => (
    <Field id={`${idPrefix}-${key}`} label={label} hint={errors[key] ?? options.hint}>
      {(describedBy) => (
        <input
          id={`${idPrefix}-${key}`}
          name={key}
          type="text"
          inputMode={options.url ? 'url' : undefined}
          value={values[key]}
          required={options.required}
          disabled={options.disabled}
          placeholder={options.placeholder}
          aria-invalid={errors[key] ? 'true' : undefined}
          aria-describedby={describedBy}
          onInput={(e: TargetedEvent<HTMLInputElement>) => set(key, e.currentTarget.value)}
        />
      )}
    </Field>
  );

  return (
    <form class="offer-form" onSubmit={submit} noValidate aria-label={editing ? `Edit offer ${values.offerId}` : 'New offer'}>
      <div class="form-grid">
        {text('offerId', 'Offer id', { required: true, disabled: editing, hint: editing ? 'An offer keeps its id.' : 'Its click URL is /c/<offer id>.' })}
        {text('name', 'Name', { hint: 'Optional; the id when empty.' })}
        {text('redirectUrl', 'Redirect URL', { url: true, required: true, hint: 'Where a click lands, at once.' })}
        {text('trackingUrl', 'Tracking URL', { url: true, hint: 'The affiliate URL traced after the click; the redirect URL when empty.' })}
        {text('country', 'Country', { required: true, hint: 'Two letters (US, DE…) for the proxy IP, or auto: the clicker’s.' })}
        <SelectField id={`${idPrefix}-device`} label="Device" value={values.device} options={DEVICES} onChange={(v) => set('device', v)} />
        <SelectField
          id={`${idPrefix}-mode`}
          label="Trace mode"
          hint="Auto: HTTP first, the browser when the page needs it."
          value={values.mode}
          options={MODES}
          onChange={(v) => set('mode', v)}
        />
        <div class="field checkbox">
          <label>
            <input type="checkbox" checked={values.tracingEnabled} onChange={(e) => set('tracingEnabled', e.currentTarget.checked)} /> Trace its clicks
          </label>
        </div>
      </div>
      {failure && <ErrorNote error={failure} />}
      <div class="actions">
        <button type="submit" disabled={saving}>
          Save
        </button>
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
        {saving && (
          <span class="muted" role="status">
            Saving…
          </span>
        )}
      </div>
    </form>
  );
}
