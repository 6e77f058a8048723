/**
 * The drug classes a dental clinic prescribes or uses most, with the names a medicine goes by in
 * Brazil and India (generic names in English and Portuguese, common brands), for the allergy
 * warning at prescribing and the allergy picker at the desk. Pure data: the client imports it too.
 *
 * A class's `code` is what a structured allergy stores; `aliases` are the words people write for the
 * class itself ("penicillin allergy"); each member lists its generic name first, then synonyms and
 * brands. Names are matched as whole words, case and accents ignored.
 */
export interface DrugClass {
  code: string;
  name: string;
  aliases: string[];
  members: { name: string; synonyms: string[] }[];
  /** Classes whose allergy calls for care with this one too, and why. */
  crossReactions?: { code: string; note: string }[];
}

export const drugClasses: DrugClass[] = [
  {
    code: 'penicillins',
    name: 'Penicillins',
    aliases: ['penicillin', 'penicillins', 'penicilina', 'penicilinas'],
    members: [
      { name: 'amoxicillin', synonyms: ['amoxicilina', 'amoxycillin', 'amoxil', 'novamox', 'mox'] },
      { name: 'amoxicillin-clavulanate', synonyms: ['co-amoxiclav', 'amoxicilina + clavulanato', 'amoxyclav', 'augmentin', 'clavulin', 'clavam', 'moxclav', 'moxikind-cv'] },
      { name: 'ampicillin', synonyms: ['ampicilina', 'binotal', 'roscillin'] },
      { name: 'penicillin V', synonyms: ['phenoxymethylpenicillin', 'fenoximetilpenicilina', 'pen-ve-oral', 'kaypen'] },
      { name: 'penicillin G', synonyms: ['benzylpenicillin', 'benzilpenicilina', 'benzathine penicillin', 'benzetacil', 'pencom'] },
      { name: 'cloxacillin', synonyms: ['cloxacilina'] },
      { name: 'dicloxacillin', synonyms: ['dicloxacilina'] },
      { name: 'piperacillin', synonyms: ['piperacilina', 'tazocin'] },
    ],
    crossReactions: [{ code: 'cephalosporins', note: 'penicillins and cephalosporins share the beta-lactam ring, and some people allergic to one react to the other' }],
  },
  {
    code: 'cephalosporins',
    name: 'Cephalosporins',
    aliases: ['cephalosporin', 'cephalosporins', 'cefalosporina', 'cefalosporinas'],
    members: [
      { name: 'cefalexin', synonyms: ['cephalexin', 'cefalexina', 'keflex', 'sporidex', 'phexin'] },
      { name: 'cefadroxil', synonyms: ['cefadroxila', 'droxyl', 'cefadrox'] },
      { name: 'cefuroxime', synonyms: ['cefuroxima', 'zinnat', 'ceftum'] },
      { name: 'cefixime', synonyms: ['cefixima', 'taxim-o', 'zifi'] },
      { name: 'ceftriaxone', synonyms: ['ceftriaxona', 'rocephin', 'monocef'] },
      { name: 'cefazolin', synonyms: ['cefazolina'] },
      { name: 'cefpodoxime', synonyms: ['cefpodoxima', 'cepodem'] },
    ],
    crossReactions: [{ code: 'penicillins', note: 'cephalosporins and penicillins share the beta-lactam ring, and some people allergic to one react to the other' }],
  },
  {
    code: 'nsaids',
    name: 'NSAIDs (anti-inflammatory painkillers)',
    aliases: ['nsaid', 'nsaids', 'aine', 'aines', 'anti-inflammatory', 'anti-inflamatorio', 'anti-inflamatorios'],
    members: [
      { name: 'ibuprofen', synonyms: ['ibuprofeno', 'advil', 'alivium', 'brufen', 'ibugesic', 'combiflam'] },
      { name: 'diclofenac', synonyms: ['diclofenaco', 'voltaren', 'cataflam', 'voveran', 'dynapar'] },
      { name: 'naproxen', synonyms: ['naproxeno', 'flanax', 'naprosyn', 'naxdom'] },
      { name: 'ketorolac', synonyms: ['cetorolaco', 'toradol', 'toragesic', 'ketorol'] },
      { name: 'aspirin', synonyms: ['acetylsalicylic acid', 'acido acetilsalicilico', 'aas', 'ecosprin', 'disprin'] },
      { name: 'nimesulide', synonyms: ['nisulid', 'nise', 'nimulid'] },
      { name: 'ketoprofen', synonyms: ['cetoprofeno', 'profenid'] },
      { name: 'aceclofenac', synonyms: ['aceclofenaco', 'zerodol', 'hifenac'] },
      { name: 'mefenamic acid', synonyms: ['acido mefenamico', 'ponstan', 'meftal'] },
      { name: 'etoricoxib', synonyms: ['arcoxia', 'etoshine'] },
      { name: 'celecoxib', synonyms: ['celebra', 'celebrex'] },
      { name: 'piroxicam', synonyms: ['feldene'] },
      { name: 'meloxicam', synonyms: ['movatec', 'mobic'] },
    ],
  },
  {
    code: 'sulfonamides',
    name: 'Sulfonamides (sulfa drugs)',
    aliases: ['sulfa', 'sulpha', 'sulfonamide', 'sulfonamides', 'sulfonamida', 'sulfonamidas'],
    members: [
      { name: 'sulfamethoxazole', synonyms: ['sulfametoxazol', 'co-trimoxazole', 'cotrimoxazole', 'sulfamethoxazole-trimethoprim', 'bactrim', 'septra', 'septran'] },
      { name: 'sulfadiazine', synonyms: ['sulfadiazina'] },
      { name: 'sulfasalazine', synonyms: ['sulfassalazina', 'azulfidine', 'saaz'] },
    ],
  },
  {
    code: 'amide-local-anaesthetics',
    name: 'Local anaesthetics (amide)',
    aliases: ['amide local anaesthetic', 'amide local anesthetic', 'amide anaesthetics', 'anestesico local amida'],
    members: [
      { name: 'lidocaine', synonyms: ['lignocaine', 'lidocaina', 'xylocaine', 'xylocaina', 'lignox'] },
      { name: 'articaine', synonyms: ['articaina', 'septocaine', 'articaine-epinephrine'] },
      { name: 'mepivacaine', synonyms: ['mepivacaina', 'scandicaine', 'carbocaine', 'mepiadre'] },
      { name: 'prilocaine', synonyms: ['prilocaina', 'citanest', 'emla'] },
      { name: 'bupivacaine', synonyms: ['bupivacaina', 'marcaine', 'neocaina', 'sensorcaine'] },
    ],
  },
  {
    code: 'ester-local-anaesthetics',
    name: 'Local anaesthetics (ester)',
    aliases: ['ester local anaesthetic', 'ester local anesthetic', 'ester anaesthetics', 'anestesico local ester'],
    members: [
      { name: 'benzocaine', synonyms: ['benzocaina', 'topicaine', 'hurricaine'] },
      { name: 'tetracaine', synonyms: ['amethocaine', 'tetracaina'] },
      { name: 'procaine', synonyms: ['procaina', 'novocaine', 'novocaina'] },
    ],
  },
  {
    code: 'latex',
    name: 'Latex',
    aliases: ['latex', 'natural rubber latex', 'borracha natural'],
    members: [],
  },
  {
    code: 'chlorhexidine',
    name: 'Chlorhexidine',
    aliases: ['chlorhexidine', 'clorexidina', 'chlorhexidine gluconate', 'gluconato de clorexidina'],
    members: [{ name: 'chlorhexidine mouthwash', synonyms: ['periogard', 'hexidine', 'clohex', 'perio-aid'] }],
  },
];
