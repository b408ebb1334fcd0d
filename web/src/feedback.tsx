/** The outcome of a form or button, announced to screen readers. */
export function Feedback({ message }: { message: { text: string; error: boolean } | null }) {
  if (!message) return <p class="feedback" role="status" aria-live="polite" />;
  return message.error ? (
    <p class="feedback error" role="alert">
      {message.text}
    </p>
  ) : (
    <p class="feedback ok" role="status" aria-live="polite">
      {message.text}
    </p>
  );
}
