"""ECharts options built from report rows (labels already in the reader's language)."""

from django.utils.translation import gettext as _

PALETTE = ["#2f6fdb", "#e8542f", "#2a9d8f", "#e9a23b", "#7b5ea7", "#8a99ab", "#d1495b", "#3d8bd4"]


def _base(**extra):
    option = {
        "animation": False,  # render at once: dashboards are read, not watched
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
    }
    option.update(extra)
    return option


def bars(categories, series, horizontal=False, stack=False):
    category_axis = {
        "type": "category",
        "data": categories,
        "axisLabel": {"interval": 0, "hideOverlap": True},
    }
    value_axis = {"type": "value", "minInterval": 1}
    return _base(
        legend={"top": 0} if len(series) > 1 else None,
        xAxis=value_axis if horizontal else category_axis,
        yAxis={**category_axis, "inverse": True} if horizontal else value_axis,
        series=[
            {"type": "bar", "name": name, "data": data, **({"stack": "total"} if stack else {})}
            for name, data in series
        ],
    )


def funnel(stages):
    return {
        "animation": False,
        "color": PALETTE,
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}"},
        "series": [
            {
                "type": "funnel",
                "sort": "none",
                "left": "5%",
                "width": "90%",
                "minSize": "8%",
                "label": {"position": "inside", "formatter": "{b}: {c}", "color": "#1d2733"},
                "data": [{"name": s["label"], "value": s["count"]} for s in stages],
            }
        ],
    }


def pie(items):
    return {
        "animation": False,
        "color": PALETTE,
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "65%"],
                "data": [{"name": name, "value": value} for name, value in items],
            }
        ],
    }


def lines(categories, series):
    return _base(
        legend={"top": 0},
        xAxis={"type": "category", "data": categories},
        yAxis={"type": "value"},
        series=[{"type": "line", "name": name, "data": data, "smooth": False} for name, data in series],
    )


def channel_chart(report):
    rows = report["channels"][:12]
    return bars(
        [r["name"] for r in rows],
        [(_("Leads in"), [r["leads"] for r in rows]), (_("Converted"), [r["converted"] for r in rows])],
    )


def histogram_chart(report):
    return bars(report["buckets"], [(_("Converted leads"), report["total"]["histogram"])])


def percentile_chart(report):
    groups = report["groups"][:10]
    return bars(
        [g["label"] for g in groups],
        [(name.upper(), [g[name] for g in groups]) for name in ("p25", "p50", "p75", "p90")],
    )


def cohort_chart(report):
    weeks = [w["week"].isoformat() for w in report["cohorts"]]
    labels = [s["label"] for s in report["stages"]]
    picks = (0, 3, 4)
    return lines(weeks, [(labels[i], [w["stages"][i] for w in report["cohorts"]]) for i in picks])


def stuck_chart(report):
    return bars(
        report["open_stages"],
        [(age, [row["ages"][i] for row in report["stuck"]]) for i, age in enumerate(report["ages"])],
        stack=True,
    )


def leaderboard_chart(report, code):
    rows = report["rows"][:15]
    label = dict(report["columns"]).get(code, code)
    return bars([r["name"] for r in rows], [(label, [r[code] for r in rows])], horizontal=True)


def reasons_chart(report):
    return pie([(r["reason"], r["count"]) for r in report["reclaim_reasons"]])


def pool_people_chart(report):
    rows = report["people"][:15]
    return bars(
        [r["name"] for r in rows],
        [
            (_("Claims"), [r["claims"] for r in rows]),
            (_("Releases"), [r["releases"] for r in rows]),
            (_("Reclaims"), [r["reclaims"] for r in rows]),
        ],
    )
