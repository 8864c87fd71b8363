// The demo clock: the station's date and time, and buttons that move it forward (GET/POST /sandbox/clock).
// A plain sandbox without a demo station has no clock: the panel stays hidden and times show in the browser's zone.

const panel = document.getElementById("demo-clock");
const nowNode = document.getElementById("clock-now");
const nextNode = document.getElementById("clock-next");
const buttons = Array.from(panel.querySelectorAll("button[data-clock]"));

const station = { zone: undefined, now: null, view: null };

function format(date, options) {
  return new Intl.DateTimeFormat("zh-CN", { timeZone: station.zone, ...options }).format(date);
}

function dayKey(date) {
  return format(date, { year: "numeric", month: "2-digit", day: "2-digit" });
}

// A message's time in the station's zone; the day too when it is not the station's today.
export function stationTime(seconds) {
  const date = new Date(seconds * 1000);
  const time = format(date, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  if (!station.now || dayKey(date) === dayKey(station.now)) return time;
  return `${format(date, { month: "numeric", day: "numeric" })} ${time}`;
}

function longTime(date) {
  return format(date, { month: "long", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

function render(view) {
  station.view = view;
  station.zone = view.time_zone;
  station.now = new Date(view.now);
  nowNode.textContent = longTime(station.now);
  nowNode.dateTime = view.now;
  const next = view.next_event;
  const toNext = panel.querySelector('[data-clock="next_event"]');
  toNext.disabled = !next;
  nextNode.textContent = next ? `下一个定时事件：${longTime(new Date(next.at))} ${next.what}` : "暂无定时事件";
  toNext.title = next ? `${longTime(new Date(next.at))} · ${next.what}` : "暂无定时事件";
  panel.hidden = false;
}

async function call(method, body) {
  const options = { method, headers: {} };
  if (body) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch("/sandbox/clock", options);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error || `${response.status} ${response.statusText}`);
  return answer;
}

function target(kind) {
  switch (kind) {
    case "next_working_day":
      return { to: station.view.next_working_day.at };
    case "hour":
      return { advance: 3600 };
    case "day":
      return { advance: 86400 };
    default:
      return { to: "next_event" };
  }
}

export async function refreshClock() {
  try {
    render(await call("GET"));
  } catch {
    panel.hidden = true; // no demo station behind this sandbox
  }
}

export function startClock({ present, moved, toast }) {
  if (!present) return Promise.resolve(); // a plain sandbox: no demo station, no clock
  for (const button of buttons) {
    button.addEventListener("click", async () => {
      if (!station.view) return;
      buttons.forEach((b) => (b.disabled = true));
      panel.classList.add("moving");
      try {
        const view = await call("POST", target(button.dataset.clock));
        render(view);
        toast(`派出所时间已到 ${longTime(station.now)}`);
        await moved();
      } catch (error) {
        toast(`时间没有移动：${error.message}`, true);
        await refreshClock();
      } finally {
        panel.classList.remove("moving");
        buttons.forEach((b) => (b.disabled = false));
        if (station.view) render(station.view);
      }
    });
  }
  setInterval(refreshClock, 30000);
  return refreshClock();
}
