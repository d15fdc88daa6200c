#include "web/assets.h"

namespace privet::web {

std::string_view CenterCss() {
  // Plain CSS: readable text, visible focus, enough contrast (WCAG AA), a layout that holds
  // from a phone to a desktop.
  return R"css(*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;line-height:1.5;color:#1b1b1b;background:#fff}
body{margin:0}
a{color:#0b4f9c}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #b35900;outline-offset:2px}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
header{background:#0b2e4f;color:#fff;padding:1rem}
header a{color:#fff}
header .org{font-weight:600;font-size:1.1rem}
nav ul{list-style:none;margin:.5rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:1rem}
nav a[aria-current=page]{text-decoration:underline 3px}
header form{display:inline}
header button{background:none;border:1px solid #fff;color:#fff;padding:.2rem .6rem;font:inherit;cursor:pointer}
main{max-width:56rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem}
h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;vertical-align:top;padding:.4rem;border-bottom:1px solid #ddd}
th{background:#f2f2f2}
.value{font-family:ui-monospace,"DejaVu Sans Mono",monospace;overflow-wrap:anywhere;white-space:pre-wrap}
button,.button{font:inherit;padding:.4rem .9rem;border:1px solid #0b4f9c;background:#0b4f9c;color:#fff;border-radius:3px;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#0b4f9c}
label{display:block;font-weight:600;margin-top:.8rem}
input,select,textarea{font:inherit;padding:.4rem;border:1px solid #767676;border-radius:3px;max-width:100%}
.notice{border-left:4px solid #1d7a2f;background:#eef7ef;padding:.6rem 1rem}
.error{border-left:4px solid #b00020;background:#fdeeee;padding:.6rem 1rem}
.muted{color:#4a4a4a}
.choice{border:1px solid #ddd;border-radius:4px;padding:.8rem 1rem;margin:.8rem 0}
.choice form{display:inline}
footer{max-width:56rem;margin:2rem auto;padding:1rem;color:#4a4a4a;border-top:1px solid #ddd}
)css";
}

std::string_view CenterIcon() {
  return R"svg(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M16 2 4 7v8c0 7.5 5.1 13.4 12 15 6.9-1.6 12-7.5 12-15V7z" fill="#0b2e4f"/><path d="m10 16 4 4 8-9" stroke="#fff" stroke-width="3" fill="none"/></svg>
)svg";
}

}  // namespace privet::web
