"""Copy the front-end files installed by npm into Kehu's (git-ignored) static/vendor folder."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "src" / "kehu" / "static" / "vendor"
FILES = {
    "node_modules/echarts/dist/echarts.min.js": "echarts/echarts.min.js",
    "node_modules/echarts/LICENSE": "echarts/LICENSE",
}

for source, target in FILES.items():
    destination = VENDOR / target
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / source, destination)
print(f"copied {len(FILES)} asset files to {VENDOR.relative_to(ROOT)}")
