// A QR code drawn on a canvas (no markup strings, nothing the CSP forbids).
import qrcode from "qrcode-generator";
import { useEffect, useRef } from "preact/hooks";

export function QrCode({ text, label, testid = "invite-qr" }: { text: string; label: string; testid?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const qr = qrcode(0, "M");
    qr.addData(text);
    qr.make();
    const modules = qr.getModuleCount();
    const quiet = 4;
    const scale = Math.max(3, Math.floor(260 / (modules + 2 * quiet)));
    const size = (modules + 2 * quiet) * scale;
    el.width = size;
    el.height = size;
    const ctx = el.getContext("2d");
    if (!ctx) return;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, size, size);
    ctx.fillStyle = "#000000";
    for (let r = 0; r < modules; r++) {
      for (let c = 0; c < modules; c++) {
        if (qr.isDark(r, c)) ctx.fillRect((c + quiet) * scale, (r + quiet) * scale, scale, scale);
      }
    }
  }, [text]);
  return <canvas ref={canvas} class="qr" role="img" aria-label={label} data-testid={testid} />;
}
