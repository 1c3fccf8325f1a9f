/**
 * Time-zone tables of the callee zone rule (lib/windows/timezone.ts), apart from the code that reads them so the
 * calling-code generator (scripts/gen-calling-codes.ts) can learn which countries matter.
 *
 * libphonenumber-js has no time-zone data (Google's Java library's PhoneNumberToTimeZonesMapper is not ported):
 * one zone per single-zone country, the zone of each common North American (+1) area code, and every zone of a
 * multi-zone country (the safe intersection, see timezone.ts).
 */

/** Zone of each common North American (+1) area code. */
export const NANP_ZONES: Readonly<Record<string, string>> = /* @__PURE__ */ byAreaCode({
  'America/Los_Angeles': '209 213 279 310 323 341 350 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 747 760 805 818 820 831 840 858 909 916 925 949 951 206 253 360 425 509 564 458 503 541 971 702 725 775',
  'America/Vancouver': '236 250 604 672 778',
  'America/Denver': '303 719 720 970 983 385 435 801 505 575 406 307 915',
  'America/Edmonton': '403 587 780 825 368',
  'America/Phoenix': '480 520 602 623 928',
  'America/Chicago': '217 224 309 312 331 447 464 618 630 708 773 779 815 847 872 210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979 218 320 507 612 651 763 952 262 274 414 534 608 715 920 314 417 557 573 636 660 816 319 515 563 641 712 479 501 870 225 318 337 504 985 405 539 572 580 918 228 601 662 769 205 251 256 334 659 938 316 620 913 402 531',
  'America/Winnipeg': '204 431',
  'America/Regina': '306 639',
  'America/New_York': '212 315 332 347 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934 201 551 609 640 732 848 856 862 908 973 215 223 267 272 412 445 484 570 582 610 717 724 814 835 878 339 351 413 508 617 774 781 857 978 203 475 860 959 239 305 321 352 386 407 448 561 656 689 727 754 772 786 813 863 904 941 954 229 404 470 478 678 706 762 770 912 943 252 336 472 704 743 828 910 919 980 984 803 839 843 854 864 276 434 540 571 703 757 804 826 948 227 240 301 410 443 667 202 771 216 220 234 283 326 330 380 419 440 513 567 614 740 937 231 248 269 313 517 586 616 734 810 947 989 317 463 765 502 606 859 423 865 304 681 603 802 207 401 302',
  'America/Toronto': '226 249 289 343 365 416 437 519 548 613 647 705 905 263 354 367 418 438 450 514 579 581 819 873',
  'America/Halifax': '902 782 506',
  'America/St_Johns': '709',
  'Pacific/Honolulu': '808',
  'America/Anchorage': '907',
});

/** Countries spanning several zones: every zone they use (for the safe intersection). */
export const MULTI_ZONE: Record<string, string[]> = {
  US: ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu'],
  CA: ['America/St_Johns', 'America/Halifax', 'America/Toronto', 'America/Winnipeg', 'America/Regina', 'America/Edmonton', 'America/Vancouver'],
  AU: ['Australia/Sydney', 'Australia/Brisbane', 'Australia/Adelaide', 'Australia/Darwin', 'Australia/Perth'],
  BR: ['America/Sao_Paulo', 'America/Manaus', 'America/Rio_Branco', 'America/Noronha'],
  MX: ['America/Mexico_City', 'America/Cancun', 'America/Chihuahua', 'America/Hermosillo', 'America/Tijuana'],
  RU: ['Europe/Kaliningrad', 'Europe/Moscow', 'Asia/Yekaterinburg', 'Asia/Novosibirsk', 'Asia/Krasnoyarsk', 'Asia/Irkutsk', 'Asia/Yakutsk', 'Asia/Vladivostok', 'Asia/Magadan', 'Asia/Kamchatka'],
  ID: ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'],
  KZ: ['Asia/Almaty', 'Asia/Aqtobe'],
};

/** Countries with one zone. */
export const SINGLE_ZONE: Record<string, string> = {
  CN: 'Asia/Shanghai', HK: 'Asia/Hong_Kong', MO: 'Asia/Macau', TW: 'Asia/Taipei', JP: 'Asia/Tokyo', KR: 'Asia/Seoul',
  SG: 'Asia/Singapore', MY: 'Asia/Kuala_Lumpur', TH: 'Asia/Bangkok', VN: 'Asia/Ho_Chi_Minh', PH: 'Asia/Manila',
  IN: 'Asia/Kolkata', PK: 'Asia/Karachi', BD: 'Asia/Dhaka', LK: 'Asia/Colombo', NP: 'Asia/Kathmandu',
  AE: 'Asia/Dubai', SA: 'Asia/Riyadh', QA: 'Asia/Qatar', KW: 'Asia/Kuwait', BH: 'Asia/Bahrain', OM: 'Asia/Muscat',
  IL: 'Asia/Jerusalem', TR: 'Europe/Istanbul', IR: 'Asia/Tehran', EG: 'Africa/Cairo', ZA: 'Africa/Johannesburg',
  NG: 'Africa/Lagos', KE: 'Africa/Nairobi', MA: 'Africa/Casablanca', GB: 'Europe/London', IE: 'Europe/Dublin',
  FR: 'Europe/Paris', DE: 'Europe/Berlin', IT: 'Europe/Rome', ES: 'Europe/Madrid', PT: 'Europe/Lisbon',
  NL: 'Europe/Amsterdam', BE: 'Europe/Brussels', LU: 'Europe/Luxembourg', CH: 'Europe/Zurich', AT: 'Europe/Vienna',
  DK: 'Europe/Copenhagen', SE: 'Europe/Stockholm', NO: 'Europe/Oslo', FI: 'Europe/Helsinki', IS: 'Atlantic/Reykjavik',
  PL: 'Europe/Warsaw', CZ: 'Europe/Prague', SK: 'Europe/Bratislava', HU: 'Europe/Budapest', RO: 'Europe/Bucharest',
  BG: 'Europe/Sofia', GR: 'Europe/Athens', HR: 'Europe/Zagreb', SI: 'Europe/Ljubljana', RS: 'Europe/Belgrade',
  UA: 'Europe/Kyiv', BY: 'Europe/Minsk', LT: 'Europe/Vilnius', LV: 'Europe/Riga', EE: 'Europe/Tallinn',
  NZ: 'Pacific/Auckland', AR: 'America/Argentina/Buenos_Aires', CL: 'America/Santiago', CO: 'America/Bogota',
  PE: 'America/Lima', VE: 'America/Caracas', EC: 'America/Guayaquil', UY: 'America/Montevideo', PY: 'America/Asuncion',
  BO: 'America/La_Paz', CR: 'America/Costa_Rica', PA: 'America/Panama', GT: 'America/Guatemala', DO: 'America/Santo_Domingo',
  PR: 'America/Puerto_Rico', JM: 'America/Jamaica',
};

/** `zone → space-separated area codes` lists (readable to keep) as an area code → zone map; pure, so a bundle that never reads it drops it. */
function byAreaCode(lists: Record<string, string>): Record<string, string> {
  const zones: Record<string, string> = {};
  for (const [zone, codes] of Object.entries(lists)) for (const c of codes.split(/\s+/).filter(Boolean)) zones[c] = zone;
  return zones;
}
