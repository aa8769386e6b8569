/**
 * The store's contract for sites (工地): the site itself with its location and geofence,
 * and the two lists that belong to it, teams (班组) and sub-contractors (参建/分包单位).
 * Times are epoch milliseconds; coordinates are WGS-84 degrees, as devices report them.
 */

export interface LatLng {
  lat: number;
  lng: number;
}

/**
 * Where clock-ins count as on site. A polygon's ring is stored open: the edge from the
 * last point back to the first is implied (domain/geofence.ts validates and normalises).
 */
export type Geofence =
  | { type: 'circle'; center: LatLng; radiusMeters: number }
  | { type: 'polygon'; points: LatLng[] };

export interface SiteRow {
  id: string;
  name: string;
  address: string | null;
  /** 总承包单位. */
  generalContractor: string | null;
  location: LatLng | null;
  geofence: Geofence | null;
  /** Metres outside the geofence a clock-in still counts as inside (GPS error); default 0. */
  fenceToleranceMeters: number;
  /** Bumped by every update: the resource's etag (If-Match). */
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** What creating a site needs; the rest defaults to null (the CLI's `site create --name`). */
export type NewSite = Pick<SiteRow, 'id' | 'name' | 'createdAt'> &
  Partial<Pick<SiteRow, 'address' | 'generalContractor' | 'location' | 'geofence' | 'fenceToleranceMeters'>>;

/** Fields an update may set; null clears a nullable one. */
export type SitePatch = Partial<
  Pick<SiteRow, 'name' | 'address' | 'generalContractor' | 'location' | 'geofence' | 'fenceToleranceMeters'>
>;

export interface SitePageQuery {
  /** Keyset: sites with an id above this (ids grow with creation time). */
  afterId?: string;
  /** Only names starting with this (case-sensitive on both backends). */
  namePrefix?: string;
  /** Only these sites (a site manager's scope); an empty list matches nothing. */
  ids?: readonly string[];
  limit: number;
}

/** Why a conditional write did not happen. */
export type WriteRefusal = 'not_found' | 'stale';

export interface SubcontractorRow {
  id: string;
  siteId: string;
  name: string;
  createdAt: number;
  updatedAt: number;
}

export interface TeamRow {
  id: string;
  siteId: string;
  name: string;
  /** The sub-contractor the team works for, one of the same site's; null = none named. */
  subcontractorId: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A list that belongs to one site, in id (creation) order. */
export interface SitePartRepo<Row extends { id: string; siteId: string }, Patch> {
  insert(row: Row): Promise<void>;
  get(siteId: string, id: string): Promise<Row | undefined>;
  /** Keyset page of one site's rows, after `afterId`. */
  page(siteId: string, afterId: string | undefined, limit: number): Promise<Row[]>;
  /** The updated row, or undefined when there is none with that id on that site. */
  update(siteId: string, id: string, patch: Patch, now: number): Promise<Row | undefined>;
  /** Whether a row was deleted. */
  delete(siteId: string, id: string): Promise<boolean>;
}

export type TeamRepo = SitePartRepo<TeamRow, Partial<Pick<TeamRow, 'name' | 'subcontractorId'>>> & {
  /** Whether any team of the site names this sub-contractor (it may not be deleted then). */
  namesSubcontractor(siteId: string, subcontractorId: string): Promise<boolean>;
};

export type SubcontractorRepo = SitePartRepo<SubcontractorRow, Partial<Pick<SubcontractorRow, 'name'>>>;

export interface SiteRepo {
  create(row: NewSite): Promise<void>;
  get(id: string): Promise<SiteRow | undefined>;
  /** Every site in creation order: the CLI's short list. The API pages with `page`. */
  list(): Promise<SiteRow[]>;
  page(q: SitePageQuery): Promise<SiteRow[]>;
  /**
   * Sets the fields given, bumps the version and updatedAt; with `ifVersion`, only when
   * the stored version is still that one ('stale' otherwise).
   */
  update(id: string, patch: SitePatch, now: number, ifVersion?: number): Promise<SiteRow | WriteRefusal>;
  /**
   * Deletes the site with its teams and sub-contractors; with `ifVersion` as update.
   * 'in_use' when another table still refers to the site by foreign key (persons'
   * assignments, ended ones included): nothing is deleted then.
   */
  delete(id: string, ifVersion?: number): Promise<true | WriteRefusal | 'in_use'>;
  teams: TeamRepo;
  subcontractors: SubcontractorRepo;
}
