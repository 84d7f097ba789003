import { describe, expect, it } from 'vitest';
import { buildEntitySchemas } from '../src/entity-schemas.js';
import { entityTypeName, renderCsdl } from '../src/render-csdl.js';

const schemas = buildEntitySchemas({ incidents: ['SBT_Scope', 'SBT_Restricted'], organizationalunits: [] });

describe('renderCsdl', () => {
  it('lists exactly one property per served field, custom fields included, RecId the only non-nullable', () => {
    const def = schemas.get('incidents')!;
    const xml = renderCsdl(def);
    const names = [...xml.matchAll(/<Property Name="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(def.fields.map((f) => f.name));
    expect(names).toContain('SBT_Scope');
    expect(xml).toContain('<Property Name="SBT_Restricted" Type="Edm.Boolean"/>');
    expect(xml.match(/Nullable="false"/g)).toHaveLength(1);
    expect(xml).toContain('<Key><PropertyRef Name="RecId"/></Key>');
  });

  it('names the entity type after the set without the appended "s"', () => {
    expect(entityTypeName(schemas.get('journal__notess')!)).toBe('journal__notes');
    expect(renderCsdl(schemas.get('standarduserteams')!)).toContain(
      '<EntitySet Name="standarduserteams" EntityType="MetaData.standarduserteam"/>',
    );
  });
});
