/**
 * `tag "..."` expansion (iked.conf(5)): $name the policy name, $id the peer's
 * identity, $eapid its EAP identity, $domain the domain part of the identity
 * (after '@', else after the first '.').
 */
export interface TagValues {
  name: string;
  id: string;
  eapid?: string;
}

export function domainOf(id: string): string {
  const at = id.lastIndexOf('@');
  if (at >= 0) return id.slice(at + 1);
  const dot = id.indexOf('.');
  return dot >= 0 ? id.slice(dot + 1) : '';
}

export function expandTag(tag: string, v: TagValues): string {
  return tag.replace(/\$(eapid|domain|name|id)/g, (_m, k: string) => {
    switch (k) {
      case 'name':
        return v.name;
      case 'id':
        return v.id;
      case 'eapid':
        return v.eapid ?? '';
      default:
        return domainOf(v.eapid && v.eapid.includes('@') ? v.eapid : v.id);
    }
  });
}
