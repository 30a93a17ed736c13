// Reads a Date / X-Date header the way Kong does (ngx.parse_http_time, nginx's parser): the three HTTP date
// forms of RFC 9110 §5.6.7, the weekday and anything after the seconds (the zone) ignored, as nginx does.

const MONTHS: Readonly<Partial<Record<string, number>>> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const MONTH = '(?<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(?<hour>\\d\\d):(?<minute>\\d\\d):(?<second>\\d\\d)';

const FORMS = [
  /** `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate, RFC 1123). */
  new RegExp(`^[^, ]*, *(?<day>\\d\\d) ${MONTH} (?<year>\\d{4}) ${TIME}`),
  /** `Sunday, 06-Nov-94 08:49:37 GMT` (RFC 850): two-digit years below 70 are 20xx. */
  new RegExp(`^[^, ]*, *(?<day>\\d\\d)-${MONTH}-(?<year>\\d\\d) ${TIME}`),
  /** `Sun Nov  6 08:49:37 1994` (asctime). */
  new RegExp(`^[^, ]* +${MONTH}  ?(?<day>\\d{1,2}) ${TIME} (?<year>\\d{4})`),
];

/** Seconds since the epoch, or null when `value` is no HTTP date (or names a day or time that does not exist). */
export function parseHttpDate(value: string): number | null {
  let groups: Partial<Record<string, string>> | undefined;
  for (const form of FORMS) {
    groups = form.exec(value)?.groups;
    if (groups !== undefined) break;
  }
  if (groups === undefined) return null;
  const month = MONTHS[groups.month ?? ''];
  const day = Number(groups.day);
  const hour = Number(groups.hour);
  const minute = Number(groups.minute);
  const second = Number(groups.second);
  let year = Number(groups.year);
  if (groups.year?.length === 2) year += year < 70 ? 2000 : 1900;
  if (month === undefined || hour > 23 || minute > 59 || second > 59 || day < 1) return null;
  // 31 April or 29 February of a common year: nginx refuses rather than roll over into the next month.
  if (day > new Date(Date.UTC(year, month + 1, 0)).getUTCDate()) return null;
  return Date.UTC(year, month, day, hour, minute, second) / 1000;
}
