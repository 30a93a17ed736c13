// Reads a Date / X-Date header the way Kong does (ngx.parse_http_time, nginx's parser): the three HTTP date
// forms of RFC 9110 §5.6.7, the weekday and anything after the seconds (the zone) ignored, as nginx does.

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d\\d):(\\d\\d):(\\d\\d)';

/** `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate, RFC 1123). */
const IMF = new RegExp(`^[^, ]*, *(\\d\\d) ${MONTH} (\\d{4}) ${TIME}`);
/** `Sunday, 06-Nov-94 08:49:37 GMT` (RFC 850): two-digit years below 70 are 20xx. */
const RFC850 = new RegExp(`^[^, ]*, *(\\d\\d)-${MONTH}-(\\d\\d) ${TIME}`);
/** `Sun Nov  6 08:49:37 1994` (asctime). */
const ASCTIME = new RegExp(`^[^, ]* +${MONTH}  ?(\\d{1,2}) ${TIME} (\\d{4})`);

/** Seconds since the epoch, or null when `value` is no HTTP date (or names a day or time that does not exist). */
export function parseHttpDate(value: string): number | null {
  let m = IMF.exec(value);
  if (m !== null) return utc(+m[3], m[2], +m[1], +m[4], +m[5], +m[6]);
  m = RFC850.exec(value);
  if (m !== null) {
    const yy = +m[3];
    return utc(yy < 70 ? 2000 + yy : 1900 + yy, m[2], +m[1], +m[4], +m[5], +m[6]);
  }
  m = ASCTIME.exec(value);
  if (m !== null) return utc(+m[6], m[1], +m[2], +m[3], +m[4], +m[5]);
  return null;
}

function utc(year: number, monthName: string, day: number, hour: number, minute: number, second: number): number | null {
  const month = MONTHS[monthName];
  if (hour > 23 || minute > 59 || second > 59 || day < 1) return null;
  // 31 April or 29 February of a common year: nginx refuses rather than roll over into the next month.
  if (day > new Date(Date.UTC(year, month + 1, 0)).getUTCDate()) return null;
  return Date.UTC(year, month, day, hour, minute, second) / 1000;
}
