"""results.png (matplotlib, optional)."""

from .common import CONTENDERS


def draw_chart(res, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        return f"matplotlib is not installed ({exc})"
    sc = res["scenarios"]
    ids = list(sc)
    colors = {"mod_jk": "#d62728", "mod_proxy_ajp": "#ff7f0e", "ajpgate": "#1f77b4"}
    fig, axes = plt.subplots(2, 2, figsize=(15, 9))
    width = 0.27

    def bars(ax, key, title, scale=1.0, log=False):
        for i, c in enumerate(CONTENDERS):
            xs, ys = [], []
            for j, sid in enumerate(ids):
                r = sc[sid]["per_contender"].get(c)
                if r and r.get(key) is not None:
                    xs.append(j + (i - 1) * width)
                    ys.append(r[key] * scale)
            ax.bar(xs, ys, width, label=c, color=colors[c])
        ax.set_xticks(range(len(ids)))
        ax.set_xticklabels(ids, rotation=30, ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
        if log:
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)

    bars(axes[0][0], "rps", "requests/s (higher is better)", log=True)
    bars(axes[0][1], "p99_us", "p99 latency, ms (log; lower is better)", 1 / 1000, log=True)
    bars(axes[1][0], "front_cpu_per_10k", "front-end CPU seconds per 10,000 requests (log)", log=True)
    ax = axes[1][1]
    idle = res["idle"]
    if idle:
        names = [c for c in CONTENDERS if c in idle]
        before = [idle[c]["rss_before_kb"] / 1024 for c in names]
        held = [idle[c].get("rss_held_kb", 0) / 1024 for c in names]
        xs = range(len(names))
        ax.bar([x - 0.2 for x in xs], before, 0.4, label="before", color="#999999")
        ax.bar([x + 0.2 for x in xs], held, 0.4, label="with the idle connections held",
               color="#444444")
        ax.set_xticks(list(xs))
        ax.set_xticklabels(names)
        n = next(iter(idle.values()))["n"]
        ax.set_title(f"front-end RSS MB with {n:,} idle keep-alive connections", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    else:
        bars(ax, "peak_rss_kb", "peak RSS MB", 1 / 1024)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"ajpgate vs httpd+mod_jk vs httpd+mod_proxy_ajp ({res['mode']} run, {res['started']}, "
                 f"{res['machine']['cpus']} CPUs)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return None
