import type { EntitySetDef, FieldDef } from './entity-schemas.js';

const INTEGER_FIELD = /Number$|Duration$|Count$|^SBT_Count_/;

function edmType(field: FieldDef): string {
  switch (field.type) {
    case 'text':
      return 'Edm.String';
    case 'boolean':
      return 'Edm.Boolean';
    case 'date':
      return 'Edm.DateTimeOffset';
    case 'number':
      return INTEGER_FIELD.test(field.name) ? 'Edm.Int32' : 'Edm.Decimal';
  }
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Entity type name of a set: the set name without HEAT's appended "s" (`incidents` -> `incident`). */
export function entityTypeName(set: EntitySetDef): string {
  return set.name.endsWith('s') ? set.name.slice(0, -1) : set.name;
}

/**
 * Minimal OData v4 CSDL for one entity set, as `GET /api/odata/{set}/$metadata` answers it (docs/heat-api.md §3,
 * measured: XML only). Every field the simulator serves is listed, custom fields included, so a client can
 * check at runtime which tenant fields exist (docs/heat-api.md §15 q10). HEAT's CSDL marks almost nothing
 * non-nullable (docs/heat-api.md §8), so only the key is; the "MetaData" namespace is the one HEAT's navigation
 * contexts name (`#Collection(MetaData.journal)`, docs/heat-api.md §3).
 */
export function renderCsdl(set: EntitySetDef): string {
  const type = entityTypeName(set);
  const properties = set.fields
    .map((f) => {
      const nullable = f.name === 'RecId' ? ' Nullable="false"' : '';
      return `        <Property Name="${escapeXml(f.name)}" Type="${edmType(f)}"${nullable}/>`;
    })
    .join('\n');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '  <edmx:DataServices>',
    '    <Schema Namespace="MetaData" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
    `      <EntityType Name="${escapeXml(type)}">`,
    '        <Key><PropertyRef Name="RecId"/></Key>',
    properties,
    '      </EntityType>',
    '      <EntityContainer Name="Container">',
    `        <EntitySet Name="${escapeXml(set.name)}" EntityType="MetaData.${escapeXml(type)}"/>`,
    '      </EntityContainer>',
    '    </Schema>',
    '  </edmx:DataServices>',
    '</edmx:Edmx>',
    '',
  ].join('\n');
}
