/** The eight categories with short names and destinations, for table-driven policy tests. */
export const categories = {
  hardware: { displayName: 'Hardware' },
  software_access: { displayName: 'Software' },
  telephone: { displayName: 'Telephone', destination: 'Telecom' },
  website: { displayName: 'Web', destination: 'Web' },
  office_development: { displayName: 'Office', destination: 'School' },
  application_support: { displayName: 'Apps', destination: 'Apps' },
  gradebook_admin: { displayName: 'Gradebook', destination: 'Gradebook Managers', restricted: true },
  unclassified: { displayName: 'Review', destination: 'Desk' },
};

/** A minimal restricted rule: every test policy needs one for gradebook_admin. */
export const gradebookRule = { id: 'gb', category: 'gradebook_admin', weight: 2, any: ['change grades'] };
