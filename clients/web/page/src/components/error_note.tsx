// A failed call or a refused answer, said where it happened and read out.
export function ErrorNote({ text, testid = "error" }: { text: string; testid?: string }) {
  if (!text) return null;
  return (
    <p class="error" role="alert" data-testid={testid}>
      {text}
    </p>
  );
}
