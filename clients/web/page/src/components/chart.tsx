// A uPlot chart that fits its box, follows light and dark, and has a text
// label for screen readers (each view also shows the numbers as a table).
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export interface Colors {
  text: string;
  grid: string;
  series: string[];
}

function colors(): Colors {
  const css = getComputedStyle(document.documentElement);
  const get = (name: string) => css.getPropertyValue(name).trim();
  return {
    text: get("--muted"),
    grid: get("--line"),
    series: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => get(`--chart-${n}`)),
  };
}

interface Props {
  label: string;
  data: uPlot.AlignedData;
  options: (width: number, colors: Colors) => uPlot.Options;
  testid?: string;
}

export function Chart({ label, data, options, testid }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let plot: uPlot | null = null;
    const make = () => {
      plot?.destroy();
      const width = Math.max(240, el.clientWidth);
      plot = new uPlot(options(width, colors()), data, el);
    };
    make();
    const resize = new ResizeObserver(() => {
      if (plot && el.clientWidth > 0 && Math.abs(plot.width - el.clientWidth) > 2) {
        plot.setSize({ width: Math.max(240, el.clientWidth), height: plot.height });
      }
    });
    resize.observe(el);
    const scheme = matchMedia("(prefers-color-scheme: dark)");
    scheme.addEventListener("change", make);
    return () => {
      resize.disconnect();
      scheme.removeEventListener("change", make);
      plot?.destroy();
    };
  }, [data, options]);
  return <div class="chart" ref={box} role="img" aria-label={label} data-testid={testid} />;
}

// Axes in the page's colours.
export function axis(c: Colors, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return {
    stroke: c.text,
    grid: { stroke: c.grid, width: 1 },
    ticks: { stroke: c.grid, width: 1 },
    ...extra,
  };
}
