import { useEffect, useRef } from 'preact/hooks';

/** Asked for when the app answers 401 (ADMIN_TOKENS set): the token becomes the bearer. */
export function TokenForm({ onSaved }: { onSaved: (token: string) => void }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <form
      class="token panel"
      aria-label="Staff token"
      onSubmit={(e) => {
        e.preventDefault();
        const token = input.current?.value.trim();
        if (token) onSaved(token);
      }}
    >
      <p role="alert">This box office needs a staff token (one of the app's ADMIN_TOKENS).</p>
      <label>
        Staff token <input ref={input} type="password" name="token" required autoComplete="off" />
      </label>
      <button type="submit">Use token</button>
    </form>
  );
}
