/**
 * The feature parts of the message catalog, in merge order. Add a part here when a feature gets
 * its own messages file (see README.md).
 */
import * as dossier from './dossier';
import * as qr from './qr';
import * as scan from './scan';
import * as desk from './desk';
import * as staff from './staff';
import * as processingTime from './processingTime';
import * as form from './form';
import * as reuse from './reuse';
import * as board from './board';
import * as queue from './queue';
import * as citizen from './citizen';
import * as follow from './follow';
import * as access from './access';

export const PARTS: readonly { readonly vi: object; readonly en: object }[] = [
  dossier,
  qr,
  scan,
  desk,
  staff,
  processingTime,
  form,
  reuse,
  board,
  queue,
  citizen,
  follow,
  access,
];
