import type { IntentLabel } from './intent-labels.js';

/**
 * A school ticket pattern. Placeholders in {braces} are filled by generateTicket(); several subjects and
 * bodies give the same intent different words, typos and lengths. `expect` lists the category ids a
 * correct classifier may answer, the intended one first (the policy table of docs/architecture.md).
 */
export interface TicketTemplate {
  id: string;
  expect: IntentLabel[];
  subjects: readonly string[];
  bodies: readonly string[];
  /** The HEAT Category a requester would pick (often loosely, sometimes wrongly). */
  categories: readonly string[];
  service: string;
  /** Relative frequency within its intended category (default 1). */
  weight?: number;
  /** Spanish-language ticket: no English greeting or sign-off is added. */
  spanish?: boolean;
  /** Force a signature with a phone number (the "printer ticket whose signature has a phone number" case). */
  phoneSignature?: boolean;
}

/** How often each intended category appears among generated tickets (roughly a school district's mix). */
export const CATEGORY_WEIGHTS: Readonly<Record<IntentLabel, number>> = {
  hardware: 26,
  software_access: 20,
  telephone: 10,
  website: 8,
  office_development: 8,
  application_support: 11,
  gradebook_admin: 11,
  unclassified: 6,
};

export const TICKET_TEMPLATES: readonly TicketTemplate[] = [
  // ---------------------------------------------------------------- hardware
  {
    id: 'hw-printer-offline',
    expect: ['hardware'],
    subjects: [
      'Printer not printing in {room}',
      'printer offline',
      'printr not working',
      '{room} printer jammed again',
    ],
    bodies: [
      'The {printer} in {room} shows offline and nothing prints. I already turned it off and on.',
      'Printer keeps jamming on the second tray. It has a paper jam light even with no paper inside.',
      'Nothing prints from my computer to the {printer}. Other teachers have the same problem.',
    ],
    categories: ['Printer', 'Hardware'],
    service: 'Printing Service',
    weight: 3,
  },
  {
    id: 'hw-printer-phone-signature',
    expect: ['hardware'],
    subjects: [
      'printer printing blank pages - call me at ext {ext}',
      'Front office printer prints blank pages',
    ],
    bodies: [
      'The front office printer prints blank pages since this morning. Please call me at extension {ext} when you are on your way so I can unlock the office.',
      'Our copier/printer in the workroom feeds paper but the pages come out blank. You can reach me on my cell {phone}.',
    ],
    categories: ['Printer', 'Hardware', 'Telephone'],
    service: 'Printing Service',
    phoneSignature: true,
    weight: 2,
  },
  {
    id: 'hw-projector',
    expect: ['hardware'],
    subjects: [
      "Projector won't turn on",
      'projecter no display',
      'Projector in {room}',
      'no picture on projector',
    ],
    bodies: [
      'The projector in {room} will not display my laptop. The lamp light is blinking orange.',
      'Projector turns on but says no signal. I tried the HDMI cable and the VGA cable.',
      'The ceiling projector shuts off after 10 minutes of class. It might be overheating.',
    ],
    categories: ['Hardware', 'Projector'],
    service: 'Classroom Technology',
    weight: 2,
  },
  {
    id: 'hw-board',
    expect: ['hardware'],
    subjects: [
      'Smart board not responding',
      'interactive board pen not working',
      'Promethean board touch broken',
    ],
    bodies: [
      'The interactive board in {room} shows the picture but touch and the pen do nothing.',
      'Smart board needs to be calibrated again, the pen writes two inches away from where I touch.',
    ],
    categories: ['Hardware', 'Projector'],
    service: 'Classroom Technology',
  },
  {
    id: 'hw-laptop',
    expect: ['hardware'],
    subjects: [
      "Laptop won't power on",
      'laptop screen cracked',
      '{device} not charging',
      'computer wont start',
    ],
    bodies: [
      'My {device} will not turn on at all, even after charging overnight.',
      'A student dropped {device} and the screen is cracked. Can it be repaired or replaced?',
      'The teacher computer in {room} shows a black screen with a blinking cursor when it boots.',
    ],
    categories: ['Hardware', 'Computer'],
    service: 'Desktop Service',
    weight: 3,
  },
  {
    id: 'hw-cart',
    expect: ['hardware'],
    subjects: ['Chromebook cart not charging', '{n} chromebooks dead in cart {roomNo}'],
    bodies: [
      'The Chromebook cart in {room} is plugged in but {n} of the devices do not charge.',
      'Several Chromebooks in cart {roomNo} have broken keys and one has a loose hinge.',
    ],
    categories: ['Hardware', 'Computer'],
    service: 'Desktop Service',
  },
  {
    id: 'hw-network-drop',
    expect: ['hardware'],
    subjects: ['No internet on teacher computer', 'ethernet port dead in {room}', 'network jack not working'],
    bodies: [
      'The network port by my desk in {room} has no link light. My desktop says no network cable connected.',
      'The wall jack in {room} stopped working after the custodians moved the furniture.',
    ],
    categories: ['Network', 'Hardware'],
    service: 'Network Service',
  },
  {
    id: 'hw-peripherals',
    expect: ['hardware'],
    subjects: [
      'Keyboard and mouse not working',
      'document camera broken',
      'monitor flickering',
      'speakers no sound',
    ],
    bodies: [
      'The keyboard and mouse on the front desk computer stopped working. I tried another USB port.',
      'The document camera in {room} shows a purple picture on the projector.',
      'The second monitor on my desk flickers and goes black every few minutes.',
      'The classroom speakers in {room} make a buzzing noise and no sound comes out.',
    ],
    categories: ['Hardware'],
    service: 'Desktop Service',
    weight: 2,
  },
  {
    id: 'hw-lab-web-page',
    expect: ['hardware', 'software_access'],
    subjects: [
      "school web page won't load on lab computers",
      'internet not loading in computer lab',
      'lab computers cant open websites',
    ],
    bodies: [
      'None of the computers in {room} can load our school web page or any other site. The teacher station works.',
      'In the lab the browser just spins when students open a web page. It started after the weekend.',
    ],
    categories: ['Website', 'Network', 'Hardware'],
    service: 'Network Service',
    weight: 2,
  },
  {
    id: 'hw-spanish-printer',
    expect: ['hardware'],
    subjects: ['la impresora no imprime', 'Impresora del salón {roomNo}'],
    bodies: [
      'La impresora del salón {roomNo} no imprime desde ayer. ¿Pueden venir a revisarla? Gracias.',
      'La impresora de la oficina dice que hay papel atascado pero no hay nada adentro.',
    ],
    categories: ['Printer', 'Hardware'],
    service: 'Printing Service',
    spanish: true,
  },
  // ---------------------------------------------------------------- software_access
  {
    id: 'sw-install-powerpoint',
    expect: ['software_access'],
    subjects: [
      'install PowerPoint on room {roomNo} laptops',
      'Need PowerPoint installed',
      'powerpoint missing on student laptops',
    ],
    bodies: [
      'Please install PowerPoint on the {n} laptops in {room}. Students need it for their projects next week.',
      'PowerPoint is missing on the student laptops in cart {roomNo}. Could you install it before Monday?',
    ],
    categories: ['Software', 'Microsoft Office'],
    service: 'Software Service',
    weight: 2,
  },
  {
    id: 'sw-install-app',
    expect: ['software_access'],
    subjects: ['Install {app} please', 'Need {app} on my computer', 'software install request - {app}'],
    bodies: [
      'Can you install {app} on my teacher computer in {room}? I need it for my lessons.',
      'Please install {app} on all the computers in {room}. The license was purchased by the school.',
    ],
    categories: ['Software'],
    service: 'Software Service',
    weight: 3,
  },
  {
    id: 'sw-login',
    expect: ['software_access'],
    subjects: ["can't log in to computer", 'locked out', 'password expired cant sign in', 'login issue'],
    bodies: [
      'I cannot log in to my computer. It says my password is incorrect but I just changed it.',
      'My account is locked out after too many tries. I need to sign in to take attendance.',
      'The computer says "the trust relationship between this workstation and the domain failed" when I log in.',
    ],
    categories: ['Account Access', 'Password Reset'],
    service: 'Account Service',
    weight: 3,
  },
  {
    id: 'sw-app-wont-open',
    expect: ['software_access'],
    subjects: ["{app} won't open", '{app} keeps crashing', '{app} error on startup'],
    bodies: [
      '{app} closes right after I open it. I restarted the computer and it still happens.',
      'When I start {app} I get an error that a component is missing and it will not open.',
    ],
    categories: ['Software'],
    service: 'Software Service',
    weight: 2,
  },
  {
    id: 'sw-license',
    expect: ['software_access'],
    subjects: ['{app} license expired', '{app} asking for product key', 'license error'],
    bodies: [
      '{app} says my license has expired and asks me to activate it.',
      'The student computers show an activation message for {app} and go into read-only mode.',
    ],
    categories: ['Software'],
    service: 'Software Service',
  },
  {
    id: 'sw-gradebook-page-access',
    expect: ['software_access'],
    subjects: ["gradebook page won't load on my computer", 'cant open gradebook on my laptop'],
    bodies: [
      'When I click the gradebook link the page stays blank on my computer. It works on my phone, so I think it is the browser on my laptop.',
      'The gradebook website will not load in Chrome on my classroom computer. I get a certificate error.',
    ],
    categories: ['Gradebook', 'Software', 'Student Information System'],
    service: 'Student Information Service',
    weight: 2,
  },
  {
    id: 'sw-app-login',
    expect: ['software_access'],
    subjects: ["Can't log into {bizapp}", '{bizapp} login error', 'password reset for {bizapp}'],
    bodies: [
      'I cannot log into {bizapp}. It says invalid username or password, and the reset link never arrives.',
      'My {bizapp} account is locked. Please unlock it so I can sign in.',
    ],
    categories: ['Account Access', 'Student Information System'],
    service: 'Account Service',
  },
  {
    id: 'sw-spanish-login',
    expect: ['software_access'],
    subjects: ['no puedo entrar a mi computadora', 'contraseña no funciona'],
    bodies: [
      'No puedo entrar a mi computadora, dice que la contraseña es incorrecta.',
      'Mi cuenta está bloqueada y no puedo iniciar sesión en la computadora del salón {roomNo}.',
    ],
    categories: ['Account Access'],
    service: 'Account Service',
    spanish: true,
  },
  // ---------------------------------------------------------------- telephone
  {
    id: 'tel-dial-tone',
    expect: ['telephone'],
    subjects: ['desk phone no dial tone', 'phone dead in {room}', 'Phone not working', 'no dial tone'],
    bodies: [
      'The desk phone in {room} has no dial tone. The display is on but I cannot call out.',
      'My classroom phone rings but there is no audio when I pick up.',
      'The phone display says "no service" since the power outage.',
    ],
    categories: ['Hardware', 'Telephone'],
    service: 'Telephone Service',
    weight: 3,
  },
  {
    id: 'tel-voicemail',
    expect: ['telephone'],
    subjects: ['voicemail password reset', 'voicemail light stays on', 'cant check voicemail'],
    bodies: [
      'I forgot my voicemail PIN and cannot check my messages. My extension is {ext}.',
      'The message light on my phone stays on even after I delete all voicemails.',
    ],
    categories: ['Hardware', 'Telephone', 'Password Reset'],
    service: 'Telephone Service',
    weight: 2,
  },
  {
    id: 'tel-extension',
    expect: ['telephone'],
    subjects: [
      'move my extension to room {roomNo}',
      'new extension needed',
      'extension {ext} rings wrong room',
    ],
    bodies: [
      'I moved to {room}. Please move my extension {ext} to the phone in my new room.',
      'Our new counselor needs an extension set up before Monday.',
    ],
    categories: ['Hardware', 'Telephone'],
    service: 'Telephone Service',
  },
  {
    id: 'tel-intercom',
    expect: ['telephone'],
    subjects: ['intercom not working in {room}', 'cant hear announcements', 'PA / intercom'],
    bodies: [
      'We cannot hear the morning announcements over the intercom in {room}, and the call button does nothing.',
      'The intercom speaker in the gym crackles and the office cannot hear us when we call.',
    ],
    categories: ['Hardware', 'Telephone'],
    service: 'Telephone Service',
  },
  {
    id: 'tel-fax',
    expect: ['telephone'],
    subjects: ['fax line busy', 'fax machine not sending', 'cannot receive faxes'],
    bodies: [
      'The fax line in the front office gives a busy signal and we cannot send faxes to the district office.',
      'Nobody can fax us; the fax line just rings and rings.',
    ],
    categories: ['Hardware', 'Printer', 'Telephone'],
    service: 'Telephone Service',
  },
  {
    id: 'tel-spanish',
    expect: ['telephone'],
    subjects: ['el teléfono no tiene tono', 'teléfono del salón {roomNo}'],
    bodies: ['El teléfono del salón {roomNo} no tiene tono y no puedo llamar a la oficina.'],
    categories: ['Hardware', 'Telephone'],
    service: 'Telephone Service',
    spanish: true,
  },
  // ---------------------------------------------------------------- website
  {
    id: 'web-calendar',
    expect: ['website'],
    subjects: [
      'update the school website calendar',
      'add {event} to website calendar',
      'website calendar wrong date',
    ],
    bodies: [
      'Please add the {event} on {date} to the calendar on our school website.',
      'The school website calendar still shows the old date for the {event}. It moved to {date}.',
    ],
    categories: ['Website'],
    service: 'Web Service',
    weight: 3,
  },
  {
    id: 'web-page-update',
    expect: ['website'],
    subjects: [
      'update {webpage} on school site',
      'post the lunch menu on the website',
      'broken link on our homepage',
    ],
    bodies: [
      'The {webpage} on our school site is out of date. Please update it with the attached information.',
      'Can you post the new lunch menu on the school website for next month?',
      'The link to the supply list on our homepage goes to a page that does not exist anymore.',
    ],
    categories: ['Website', 'Other'],
    service: 'Web Service',
    weight: 2,
  },
  {
    id: 'web-account',
    expect: ['website'],
    subjects: [
      'need a web account to edit my class page',
      'create a page for the PTA',
      'teacher page on website',
    ],
    bodies: [
      'I would like an account on the school web site so I can edit my class page.',
      'The PTA would like its own page on our school website with meeting dates and minutes.',
    ],
    categories: ['Website', 'Account Access'],
    service: 'Web Service',
  },
  // ---------------------------------------------------------------- office_development
  {
    id: 'office-powerpoint',
    expect: ['office_development'],
    subjects: [
      'make a PowerPoint for open house',
      'need slides for {event}',
      'presentation for staff meeting',
    ],
    bodies: [
      'Can someone make a PowerPoint presentation for our open house on {date}? About ten slides with school photos.',
      'I need a slideshow for the {event} with the student awards and music.',
    ],
    categories: ['Microsoft Office', 'Software'],
    service: 'Software Service',
    weight: 2,
  },
  {
    id: 'office-spreadsheet',
    expect: ['office_development'],
    subjects: [
      'need a spreadsheet to track field trip money',
      'Excel formula help / macro',
      'build a spreadsheet for club dues',
    ],
    bodies: [
      'Could you build a spreadsheet that adds up field trip payments by homeroom and shows who still owes?',
      'I need an Excel macro that calculates club dues and prints a receipt for each student.',
    ],
    categories: ['Microsoft Office', 'Software'],
    service: 'Software Service',
    weight: 2,
  },
  {
    id: 'office-database',
    expect: ['office_development'],
    subjects: ['build an Access database for library inventory', 'database for book room'],
    bodies: [
      'We want a small database to keep track of the textbook inventory in the book room.',
      'Can you create an Access database for the library equipment checkout?',
    ],
    categories: ['Microsoft Office', 'Software'],
    service: 'Software Service',
  },
  {
    id: 'office-mailmerge',
    expect: ['office_development'],
    subjects: ['mail merge for parent letters', 'template for lesson plans', 'format our newsletter'],
    bodies: [
      'I need help setting up a mail merge so each parent letter has the student name and teacher.',
      'Please create a Word template for our weekly lesson plans with the school logo.',
      'Can someone format our monthly newsletter in Publisher? The pictures keep moving.',
    ],
    categories: ['Microsoft Office'],
    service: 'Software Service',
    weight: 2,
  },
  // ---------------------------------------------------------------- application_support
  {
    id: 'app-report',
    expect: ['application_support'],
    subjects: [
      'How do I run the attendance report in {bizapp}?',
      '{bizapp} report numbers wrong',
      'enrollment report question',
    ],
    bodies: [
      'How do I run the daily attendance report in {bizapp}? The menu changed after the update.',
      'The enrollment report in {bizapp} shows 20 fewer students than our count.',
    ],
    categories: ['Student Information System', 'Software'],
    service: 'Student Information Service',
    weight: 3,
  },
  {
    id: 'app-data',
    expect: ['application_support'],
    subjects: [
      'wrong bus route for a student in {bizapp}',
      'lunch balances not updating',
      'schedule change not showing',
    ],
    bodies: [
      'A student shows the wrong bus route in {bizapp}; the parent called twice.',
      'Lunch balances in the cafeteria system did not update after parents paid online.',
      'I changed a student schedule in {bizapp} but the new class does not show on the roster.',
    ],
    categories: ['Student Information System', 'Other'],
    service: 'Student Information Service',
    weight: 2,
  },
  {
    id: 'app-howto',
    expect: ['application_support'],
    subjects: [
      'how to approve sub requests in Frontline',
      'Destiny: check in books in batch',
      'SchoolMessenger call-out to parents',
      'print class rosters',
    ],
    bodies: [
      'How do I approve substitute requests in Frontline Absence Management as the new secretary?',
      'Is there a way to check in a whole cart of library books at once in Destiny?',
      'How do I send a SchoolMessenger call-out to parents about the early release?',
      'How can I print class rosters with photos from {bizapp}?',
    ],
    categories: ['Software', 'Other'],
    service: 'Business Applications',
    weight: 2,
  },
  // ---------------------------------------------------------------- gradebook_admin
  {
    id: 'gb-grade-change',
    expect: ['gradebook_admin'],
    subjects: ["change a student's grade", 'grade change request', 'need grade corrected for {period}'],
    bodies: [
      'I need a grade changed for a student in my {grade} class for {period}. The teacher of record is on leave.',
      "A student's final grade for {period} was entered wrong and the gradebook is locked. Please change it to a B.",
    ],
    categories: ['Gradebook', 'Student Information System'],
    service: 'Student Information Service',
    weight: 3,
  },
  {
    id: 'gb-grading-period',
    expect: ['gradebook_admin'],
    subjects: ['open the grading period', 'reopen {period} grading', 'grading window closed'],
    bodies: [
      'Please reopen the {period} grading period so I can fix two grades.',
      'The grading window closed before I finished posting grades. Can it be opened again until Friday?',
    ],
    categories: ['Gradebook'],
    service: 'Student Information Service',
    weight: 2,
  },
  {
    id: 'gb-technician-manager',
    expect: ['gradebook_admin'],
    subjects: ['make the technician gradebook manager', 'gradebook manager rights for our tech'],
    bodies: [
      'Can you give our technician gradebook manager rights so he can help teachers fix their gradebooks?',
      'Our school tech needs to be a gradebook manager while our registrar is out.',
    ],
    categories: ['Gradebook', 'Account Access'],
    service: 'Student Information Service',
  },
  {
    id: 'gb-access',
    expect: ['gradebook_admin'],
    subjects: [
      'need access to grades for new teacher',
      'long-term sub needs gradebook access',
      'grade access',
    ],
    bodies: [
      'Our new teacher needs access to grades for her sections in the gradebook.',
      'The long-term substitute in {room} needs access to the gradebook for {period}.',
    ],
    categories: ['Gradebook', 'Account Access'],
    service: 'Student Information Service',
    weight: 2,
  },
  {
    id: 'gb-setup',
    expect: ['gradebook_admin'],
    subjects: [
      'gradebook weights wrong',
      'report cards show wrong grade',
      'lock the gradebook for final grades',
    ],
    bodies: [
      'The category weights in my gradebook are wrong and the report card grades are off for {period}.',
      'Report cards printed with the wrong grade for three students; the gradebook needs correcting.',
    ],
    categories: ['Gradebook'],
    service: 'Student Information Service',
  },
  {
    id: 'gb-spanish',
    expect: ['gradebook_admin'],
    subjects: ['cambiar una calificación', 'cambio de calificación'],
    bodies: [
      'Necesito cambiar una calificación de un estudiante del periodo {period}. La maestra está de licencia.',
    ],
    categories: ['Gradebook'],
    service: 'Student Information Service',
    spanish: true,
  },
  // ---------------------------------------------------------------- unclassified (too vague)
  {
    id: 'vague',
    expect: ['unclassified'],
    subjects: [
      'help',
      'Issue',
      'please call me',
      'not working',
      'question',
      'urgent!!',
      'problem in my room',
    ],
    bodies: [
      'Please call me when you get a chance.',
      'It is not working again.',
      'Can someone come by?',
      'See subject.',
      '',
    ],
    categories: ['Other'],
    service: 'General Service',
    weight: 2,
  },
];
