-- =============================================================================================
-- DrHouse : entrepôt de données de la Province Sud. ÉCHANTILLON FICTIF pour les tests de Boussole.
-- Chargé par tests/postgres.py dans une base `drhouse` jetable (psql -v ON_ERROR_STOP=1).
-- Toutes les personnes, montants, codes et adresses sont inventés.
--
-- VALEURS PIÈGES (planted) : des valeurs de LIGNES qui ne doivent JAMAIS atteindre l'index de
-- Boussole (le connecteur ne lit que le catalogue ; le rôle de lecture n'a aucun SELECT).
-- Même liste dans tests/postgres.py, constante PLANTED_VALUES.
--   'Zéphyrine Kowalczyk-Tuiasosopo'  aides_sociales.beneficiaires (prenom + nom),
--                                     aides_sociales.demandes.observations (text), rh.agents (prenom + nom)
--   'Kowalczyk-Tuiasosopo'            nom seul : aides_sociales.beneficiaires.nom, rh.agents.nom (varchar)
--   'Anatole Qaraqosh-Wénéhoua'       environnement.observations_especes.observateur (varchar),
--                                     finances.associations.president (varchar)
--   987654.321                        aides_sociales.versements.montant, rh.primes.montant,
--                                     environnement.mesures_eau.valeur (numeric à 3 décimales)
--   'PLANT-ROW-7731-XQ'               finances.marches_publics.reference, territoire.parcelles.ref_cadastrale,
--                                     aides_sociales.demandes.observations, rh.agents.contact_urgence (jsonb)
--   'planted.row@drhouse.invalid'     aides_sociales.beneficiaires.courriel, finances.tiers.courriel,
--                                     rh.agents.contact_urgence (jsonb)
--   '7731-XQ-IBAN-NC00'               finances.tiers.iban (varchar)
--   '+687 77 31 99'                   aides_sociales.beneficiaires.telephone (varchar)
-- Rien de tout cela ne figure dans un COMMENT, une valeur par défaut, une contrainte ou une vue.
-- =============================================================================================

SET client_min_messages = warning;
SET client_encoding = 'UTF8';

BEGIN;

CREATE SCHEMA territoire;
CREATE SCHEMA rh;
CREATE SCHEMA aides_sociales;
CREATE SCHEMA finances;
CREATE SCHEMA environnement;

COMMENT ON SCHEMA territoire IS 'Référentiels territoriaux : communes, quartiers, adresses, foncier, risques, voirie';
COMMENT ON SCHEMA rh IS 'Ressources humaines (alim. nocturne depuis le SIRH)';
COMMENT ON SCHEMA aides_sociales IS 'Aides sociales provinciales (DPASS) - données nominatives';
COMMENT ON SCHEMA finances IS 'Exécution budgétaire, commande publique, subventions (source : SIF)';
COMMENT ON SCHEMA environnement IS 'Environnement : aires protégées, biodiversité, qualité des eaux';

-- ---------------------------------------------------------------------------------------------
-- territoire
-- ---------------------------------------------------------------------------------------------
CREATE DOMAIN territoire.code_commune AS varchar(5)
    CHECK (VALUE ~ '^988[0-9]{2}$');
COMMENT ON DOMAIN territoire.code_commune IS 'Code INSEE/ISEE d''une commune de Nouvelle-Calédonie (988xx)';

CREATE TABLE territoire.communes (
    code_insee      territoire.code_commune PRIMARY KEY,
    nom             varchar(60) NOT NULL,
    code_postal     varchar(5),
    population_2019 integer,
    superficie_km2  numeric(8, 2),
    chef_lieu       varchar(60),
    date_maj        date NOT NULL DEFAULT current_date
);
COMMENT ON TABLE territoire.communes IS 'Communes de la Province Sud (réf. ISEE, découpage au 01/01/2023)';
COMMENT ON COLUMN territoire.communes.code_insee IS 'Code commune ISEE (988xx)';
COMMENT ON COLUMN territoire.communes.nom IS 'Libellé officiel';
COMMENT ON COLUMN territoire.communes.code_postal IS 'CP principal';
COMMENT ON COLUMN territoire.communes.population_2019 IS 'Pop. municipale RP 2019 (ISEE)';
COMMENT ON COLUMN territoire.communes.superficie_km2 IS 'Superficie en km²';
COMMENT ON COLUMN territoire.communes.date_maj IS 'Date de dernière MAJ du réf.';

CREATE TABLE territoire.quartiers (
    id          serial PRIMARY KEY,
    code_insee  territoire.code_commune NOT NULL REFERENCES territoire.communes (code_insee),
    nom         varchar(80) NOT NULL,
    type_zone   varchar(20) NOT NULL DEFAULT 'quartier'
                CHECK (type_zone IN ('quartier', 'lotissement', 'squat', 'zone_activite')),
    est_qpv     boolean NOT NULL DEFAULT false,
    UNIQUE (code_insee, nom)
);
COMMENT ON TABLE territoire.quartiers IS 'Quartiers et lotissements par commune (découpage DSIN / politique de la ville)';
COMMENT ON COLUMN territoire.quartiers.code_insee IS 'Commune de rattachement';
COMMENT ON COLUMN territoire.quartiers.type_zone IS 'quartier | lotissement | squat | zone_activite';
COMMENT ON COLUMN territoire.quartiers.est_qpv IS 'Quartier prioritaire de la ville (QPV)';

CREATE TABLE territoire.tribus (
    id                 serial PRIMARY KEY,
    code_insee         territoire.code_commune NOT NULL REFERENCES territoire.communes (code_insee),
    nom                varchar(80) NOT NULL,
    district_coutumier varchar(80),
    aire_coutumiere    varchar(40) NOT NULL
);
COMMENT ON TABLE territoire.tribus IS 'Tribus et districts coutumiers (réf. ADRAF / Sénat coutumier)';
COMMENT ON COLUMN territoire.tribus.aire_coutumiere IS 'Aire coutumière (Xârâcùù, Djubéa-Kaponé...)';
COMMENT ON COLUMN territoire.tribus.district_coutumier IS 'Distr. coutumier';

CREATE TABLE territoire.adresses (
    id          bigserial PRIMARY KEY,
    code_insee  territoire.code_commune NOT NULL REFERENCES territoire.communes (code_insee),
    quartier_id integer REFERENCES territoire.quartiers (id),
    tribu_id    integer REFERENCES territoire.tribus (id),
    numero      varchar(10),
    voie        varchar(120) NOT NULL,
    complement  text,
    x_rgnc      numeric(12, 2),
    y_rgnc      numeric(12, 2),
    source      varchar(20) NOT NULL DEFAULT 'BAP',
    date_maj    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE territoire.adresses IS 'Base adresse provinciale (BAP) géocodée';
COMMENT ON COLUMN territoire.adresses.numero IS 'N° dans la voie (avec suffixe bis/ter)';
COMMENT ON COLUMN territoire.adresses.voie IS 'Type + nom de voie';
COMMENT ON COLUMN territoire.adresses.complement IS 'Lot, bât., lieu-dit...';
COMMENT ON COLUMN territoire.adresses.x_rgnc IS 'X en RGNC91-93 / Lambert NC (m)';
COMMENT ON COLUMN territoire.adresses.y_rgnc IS 'Y en RGNC91-93 / Lambert NC (m)';
COMMENT ON COLUMN territoire.adresses.source IS 'BAP | cadastre | saisie';

CREATE TABLE territoire.parcelles (
    id              bigserial PRIMARY KEY,
    num_inventaire  varchar(20) NOT NULL UNIQUE,
    ref_cadastrale  varchar(30),
    code_insee      territoire.code_commune NOT NULL REFERENCES territoire.communes (code_insee),
    section         varchar(4),
    lot             varchar(10),
    surface_m2      integer CHECK (surface_m2 > 0),
    nature_foncier  varchar(20) NOT NULL
                    CHECK (nature_foncier IN ('prive', 'domanial_provincial', 'domanial_public', 'coutumier')),
    adresse_id      bigint REFERENCES territoire.adresses (id)
);
COMMENT ON TABLE territoire.parcelles IS 'Parcellaire cadastral (extraction DITTT, MAJ trimestrielle)';
COMMENT ON COLUMN territoire.parcelles.num_inventaire IS 'NIC - n° d''inventaire cadastral';
COMMENT ON COLUMN territoire.parcelles.ref_cadastrale IS 'Réf. cadastrale historique (section-lot)';
COMMENT ON COLUMN territoire.parcelles.surface_m2 IS 'Contenance cadastrale (m2)';
COMMENT ON COLUMN territoire.parcelles.nature_foncier IS 'Statut foncier : privé, domanial, terres coutumières';

CREATE TABLE territoire.zones_inondables (
    id             serial PRIMARY KEY,
    code_insee     territoire.code_commune NOT NULL REFERENCES territoire.communes (code_insee),
    bassin_versant varchar(60) NOT NULL,
    alea           varchar(10) NOT NULL CHECK (alea IN ('faible', 'moyen', 'fort', 'tres_fort')),
    periode_retour smallint NOT NULL DEFAULT 100,
    date_etude     date,
    bureau_etudes  varchar(80),
    surface_ha     numeric(10, 2),
    geom_wkt       text
);
COMMENT ON TABLE territoire.zones_inondables IS 'Zonage de l''aléa inondation par bassin versant (études hydrauliques, PPRI)';
COMMENT ON COLUMN territoire.zones_inondables.alea IS 'Niveau d''aléa';
COMMENT ON COLUMN territoire.zones_inondables.periode_retour IS 'Période de retour de la crue de réf. (ans)';
COMMENT ON COLUMN territoire.zones_inondables.geom_wkt IS 'Emprise en WKT (RGNC91-93), en attendant PostGIS';

CREATE TABLE territoire.routes (
    id               serial PRIMARY KEY,
    code_route       varchar(10) NOT NULL UNIQUE,
    nom              varchar(120),
    gestionnaire     varchar(20) NOT NULL CHECK (gestionnaire IN ('province', 'commune', 'gouvernement')),
    classement       varchar(30),
    longueur_km      numeric(7, 2),
    revetue          boolean,
    commune_origine  territoire.code_commune REFERENCES territoire.communes (code_insee),
    commune_extremite territoire.code_commune REFERENCES territoire.communes (code_insee)
);
COMMENT ON TABLE territoire.routes IS 'Réseau routier (RP, RT, voies communales structurantes)';
COMMENT ON COLUMN territoire.routes.code_route IS 'RP1, RT1...';
COMMENT ON COLUMN territoire.routes.gestionnaire IS 'Collectivité gestionnaire';
COMMENT ON COLUMN territoire.routes.revetue IS 'Revêtue (bitume) O/N';

CREATE TABLE territoire.permis_construire (
    num_permis            varchar(20) PRIMARY KEY,
    parcelle_id           bigint NOT NULL REFERENCES territoire.parcelles (id),
    date_depot            date NOT NULL,
    date_decision         date,
    decision              varchar(12) CHECK (decision IN ('accorde', 'refuse', 'sursis', 'tacite')),
    nature_travaux        varchar(40),
    surface_plancher_m2   numeric(8, 2),
    en_zone_inondable     boolean NOT NULL DEFAULT false,
    instructeur_matricule varchar(8)
);
COMMENT ON TABLE territoire.permis_construire IS 'PC instruits par la Province (hors Nouméa et Dumbéa)';
COMMENT ON COLUMN territoire.permis_construire.num_permis IS 'N° PC (PC-AAAA-NNNN)';
COMMENT ON COLUMN territoire.permis_construire.decision IS 'Sens de la décision';
COMMENT ON COLUMN territoire.permis_construire.en_zone_inondable IS 'Terrain en zone d''aléa (avis hydraulique requis)';
COMMENT ON COLUMN territoire.permis_construire.instructeur_matricule IS 'Agent instructeur (matricule RH)';

-- ---------------------------------------------------------------------------------------------
-- rh
-- ---------------------------------------------------------------------------------------------
CREATE TABLE rh.directions (
    code           varchar(10) PRIMARY KEY,
    libelle        varchar(120) NOT NULL,
    direction_mere varchar(10) REFERENCES rh.directions (code),
    date_creation  date,
    date_fin       date
);
COMMENT ON TABLE rh.directions IS 'Organigramme : directions et services de la Province Sud';
COMMENT ON COLUMN rh.directions.code IS 'Sigle (DPASS, DSIN, DFIN...)';
COMMENT ON COLUMN rh.directions.direction_mere IS 'Niveau hiérarchique sup. (NULL = DGS)';
COMMENT ON COLUMN rh.directions.date_fin IS 'Renseignée si la structure est dissoute';

CREATE TABLE rh.grades (
    code       varchar(12) PRIMARY KEY,
    libelle    varchar(120) NOT NULL,
    cadre      char(1) NOT NULL CHECK (cadre IN ('A', 'B', 'C', 'D')),
    filiere    varchar(40) NOT NULL,
    indice_min smallint,
    indice_max smallint
);
COMMENT ON TABLE rh.grades IS 'Grades FPNC (cadres d''emploi)';
COMMENT ON COLUMN rh.grades.cadre IS 'Catégorie A/B/C/D';
COMMENT ON COLUMN rh.grades.indice_min IS 'INM 1er échelon';
COMMENT ON COLUMN rh.grades.indice_max IS 'INM dernier échelon';

CREATE TABLE rh.postes (
    id             serial PRIMARY KEY,
    code_poste     varchar(16) NOT NULL UNIQUE,
    intitule       varchar(160) NOT NULL,
    direction_code varchar(10) NOT NULL REFERENCES rh.directions (code),
    grade_code     varchar(12) REFERENCES rh.grades (code),
    quotite        numeric(3, 2) NOT NULL DEFAULT 1.00,
    vacant         boolean NOT NULL DEFAULT false,
    lieu_travail   territoire.code_commune REFERENCES territoire.communes (code_insee)
);
COMMENT ON TABLE rh.postes IS 'Postes budgétaires (tableau des emplois)';
COMMENT ON COLUMN rh.postes.code_poste IS 'Code poste SIRH';
COMMENT ON COLUMN rh.postes.quotite IS 'Quotité (1 = temps plein)';
COMMENT ON COLUMN rh.postes.vacant IS 'Poste non pourvu';

CREATE TABLE rh.agents (
    matricule         varchar(8) PRIMARY KEY,
    nom               varchar(80) NOT NULL,
    prenom            varchar(80) NOT NULL,
    nom_naissance     varchar(80),
    date_naissance    date,
    sexe              char(1) CHECK (sexe IN ('F', 'M')),
    commune_residence territoire.code_commune REFERENCES territoire.communes (code_insee),
    statut            varchar(12) NOT NULL CHECK (statut IN ('titulaire', 'stagiaire', 'contractuel')),
    grade_code        varchar(12) REFERENCES rh.grades (code),
    date_entree       date NOT NULL,
    courriel_pro      varchar(120),
    contact_urgence   jsonb,
    actif             boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE rh.agents IS 'Agents (fonctionnaires et contractuels) - NOMINATIF';
COMMENT ON COLUMN rh.agents.matricule IS 'Matricule SIRH';
COMMENT ON COLUMN rh.agents.nom IS 'Nom d''usage';
COMMENT ON COLUMN rh.agents.commune_residence IS 'Commune de résidence (prime d''éloignement)';
COMMENT ON COLUMN rh.agents.statut IS 'titulaire / stagiaire / contractuel';
COMMENT ON COLUMN rh.agents.contact_urgence IS 'Personne à prévenir (JSON : nom, tél., courriel)';
COMMENT ON COLUMN rh.agents.actif IS 'Faux si radié des cadres';

ALTER TABLE territoire.permis_construire
    ADD CONSTRAINT permis_construire_instructeur_fkey
    FOREIGN KEY (instructeur_matricule) REFERENCES rh.agents (matricule);

CREATE TABLE rh.affectations (
    id         serial PRIMARY KEY,
    matricule  varchar(8) NOT NULL REFERENCES rh.agents (matricule),
    poste_id   integer NOT NULL REFERENCES rh.postes (id),
    date_debut date NOT NULL,
    date_fin   date,
    motif      varchar(40),
    CHECK (date_fin IS NULL OR date_fin >= date_debut)
);
COMMENT ON TABLE rh.affectations IS 'Historique des affectations agent / poste';
COMMENT ON COLUMN rh.affectations.date_fin IS 'NULL = affectation en cours';
COMMENT ON COLUMN rh.affectations.motif IS 'recrutement, mutation interne, détachement...';

CREATE TABLE rh.absences (
    id                bigserial PRIMARY KEY,
    matricule         varchar(8) NOT NULL REFERENCES rh.agents (matricule),
    type_absence      varchar(6) NOT NULL,
    date_debut        date NOT NULL,
    date_fin          date NOT NULL,
    nb_jours          numeric(4, 1) NOT NULL,
    justificatif_recu boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE rh.absences IS 'Absences et congés saisis dans le SIRH';
COMMENT ON COLUMN rh.absences.type_absence IS 'CA, RTT, CMO (maladie ord.), CLM, AT, CMAT...';
COMMENT ON COLUMN rh.absences.nb_jours IS 'Jours ouvrés décomptés';

CREATE TABLE rh.formations (
    code          varchar(12) PRIMARY KEY,
    intitule      varchar(160) NOT NULL,
    organisme     varchar(80),
    domaine       varchar(40),
    duree_heures  numeric(5, 1),
    cout_unitaire numeric(10, 0)
);
COMMENT ON TABLE rh.formations IS 'Catalogue des formations (plan de formation annuel)';
COMMENT ON COLUMN rh.formations.organisme IS 'Organisme formateur (IFAP, CNFPT, privé...)';
COMMENT ON COLUMN rh.formations.cout_unitaire IS 'Coût par stagiaire (XPF)';

CREATE TABLE rh.inscriptions_formation (
    id             bigserial PRIMARY KEY,
    formation_code varchar(12) NOT NULL REFERENCES rh.formations (code),
    matricule      varchar(8) NOT NULL REFERENCES rh.agents (matricule),
    date_session   date NOT NULL,
    statut         varchar(12) NOT NULL DEFAULT 'inscrit',
    heures_suivies numeric(5, 1),
    UNIQUE (formation_code, matricule, date_session)
);
COMMENT ON TABLE rh.inscriptions_formation IS 'Inscr. agents aux sessions de formation';
COMMENT ON COLUMN rh.inscriptions_formation.statut IS 'inscrit | present | absent | annule';

CREATE TABLE rh.primes (
    id          bigserial PRIMARY KEY,
    matricule   varchar(8) NOT NULL REFERENCES rh.agents (matricule),
    type_prime  varchar(40) NOT NULL,
    mois        date NOT NULL,
    montant     numeric(12, 3) NOT NULL,
    valide_par  varchar(8) REFERENCES rh.agents (matricule)
);
COMMENT ON TABLE rh.primes IS 'Primes et indemnités versées (éléments variables de paie)';
COMMENT ON COLUMN rh.primes.type_prime IS 'Technicité, sujétion, astreinte, éloignement...';
COMMENT ON COLUMN rh.primes.mois IS 'Mois de paie (1er du mois)';
COMMENT ON COLUMN rh.primes.montant IS 'Montant brut XPF';
COMMENT ON COLUMN rh.primes.valide_par IS 'Matricule du valideur';

-- ---------------------------------------------------------------------------------------------
-- finances
-- ---------------------------------------------------------------------------------------------
CREATE TABLE finances.budgets (
    id               serial PRIMARY KEY,
    exercice         smallint NOT NULL,
    type_budget      varchar(4) NOT NULL CHECK (type_budget IN ('BP', 'BS', 'DM1', 'DM2', 'CA')),
    num_deliberation varchar(30),
    date_vote        date,
    statut           varchar(12) NOT NULL DEFAULT 'projet',
    UNIQUE (exercice, type_budget)
);
COMMENT ON TABLE finances.budgets IS 'Documents budgétaires votés par l''Assemblée de province';
COMMENT ON COLUMN finances.budgets.type_budget IS 'BP, BS, DM1, DM2, CA';
COMMENT ON COLUMN finances.budgets.num_deliberation IS 'N° délib. APS';

CREATE TABLE finances.lignes_budgetaires (
    id              serial PRIMARY KEY,
    budget_id       integer NOT NULL REFERENCES finances.budgets (id),
    section         varchar(15) NOT NULL CHECK (section IN ('fonctionnement', 'investissement')),
    sens            char(1) NOT NULL CHECK (sens IN ('D', 'R')),
    chapitre        varchar(4) NOT NULL,
    article         varchar(8) NOT NULL,
    fonction        varchar(4),
    libelle         varchar(160),
    direction_code  varchar(10) REFERENCES rh.directions (code),
    credits_ouverts numeric(15, 0) NOT NULL DEFAULT 0
);
COMMENT ON TABLE finances.lignes_budgetaires IS 'Lignes de crédits (nomenclature M52 adaptée)';
COMMENT ON COLUMN finances.lignes_budgetaires.sens IS 'D = dépense, R = recette';
COMMENT ON COLUMN finances.lignes_budgetaires.fonction IS 'Code fonctionnel';
COMMENT ON COLUMN finances.lignes_budgetaires.direction_code IS 'Direction gestionnaire des crédits';
COMMENT ON COLUMN finances.lignes_budgetaires.credits_ouverts IS 'Crédits ouverts XPF (BP + DM)';

CREATE TABLE finances.tiers (
    id            serial PRIMARY KEY,
    ridet         varchar(12) UNIQUE,
    raison_sociale varchar(160) NOT NULL,
    type_tiers    varchar(20) NOT NULL
                  CHECK (type_tiers IN ('entreprise', 'association', 'particulier', 'commune', 'etab_public')),
    adresse       text,
    commune_code  territoire.code_commune REFERENCES territoire.communes (code_insee),
    courriel      varchar(120),
    iban          varchar(34),
    date_creation date NOT NULL DEFAULT current_date
);
COMMENT ON TABLE finances.tiers IS 'Fichier des tiers (fournisseurs, bénéficiaires de subventions...)';
COMMENT ON COLUMN finances.tiers.ridet IS 'N° RIDET (équivalent SIRET en NC)';
COMMENT ON COLUMN finances.tiers.iban IS 'Coordonnées bancaires';

CREATE TABLE finances.marches_publics (
    id                serial PRIMARY KEY,
    reference         varchar(30) NOT NULL UNIQUE,
    objet             text NOT NULL,
    procedure         varchar(12) NOT NULL CHECK (procedure IN ('AOO', 'AOR', 'MAPA', 'gre_a_gre')),
    titulaire_id      integer REFERENCES finances.tiers (id),
    direction_code    varchar(10) REFERENCES rh.directions (code),
    date_notification date,
    duree_mois        smallint,
    montant_ht        numeric(15, 0)
);
COMMENT ON TABLE finances.marches_publics IS 'Marchés publics notifiés';
COMMENT ON COLUMN finances.marches_publics.reference IS 'Réf. interne du marché';
COMMENT ON COLUMN finances.marches_publics.procedure IS 'AOO, AOR, MAPA, gré à gré';
COMMENT ON COLUMN finances.marches_publics.montant_ht IS 'Montant initial HT (XPF)';

CREATE TABLE finances.engagements (
    id              serial PRIMARY KEY,
    num_engagement  varchar(20) NOT NULL UNIQUE,
    ligne_id        integer NOT NULL REFERENCES finances.lignes_budgetaires (id),
    tiers_id        integer REFERENCES finances.tiers (id),
    marche_id       integer REFERENCES finances.marches_publics (id),
    date_engagement date NOT NULL,
    montant         numeric(15, 0) NOT NULL
);
COMMENT ON TABLE finances.engagements IS 'Engagements comptables (bons de commande, EJ)';

CREATE TABLE finances.factures (
    id                  serial PRIMARY KEY,
    num_facture         varchar(40) NOT NULL,
    tiers_id            integer NOT NULL REFERENCES finances.tiers (id),
    engagement_id       integer REFERENCES finances.engagements (id),
    date_reception      date NOT NULL,
    date_service_fait   date,
    montant_ttc         numeric(15, 0) NOT NULL,
    statut              varchar(12) NOT NULL DEFAULT 'recue'
                        CHECK (statut IN ('recue', 'service_fait', 'mandatee', 'payee', 'rejetee')),
    UNIQUE (tiers_id, num_facture)
);
COMMENT ON TABLE finances.factures IS 'Factures fournisseurs reçues (chaîne de la dépense)';
COMMENT ON COLUMN finances.factures.num_facture IS 'N° de facture du fournisseur';
COMMENT ON COLUMN finances.factures.date_reception IS 'Date d''arrivée (point de départ du DGP)';
COMMENT ON COLUMN finances.factures.date_service_fait IS 'Constatation du SF';

CREATE TABLE finances.mandats (
    id             serial PRIMARY KEY,
    num_mandat     varchar(20) NOT NULL,
    exercice       smallint NOT NULL,
    ligne_id       integer NOT NULL REFERENCES finances.lignes_budgetaires (id),
    tiers_id       integer NOT NULL REFERENCES finances.tiers (id),
    facture_id     integer REFERENCES finances.factures (id),
    date_emission  date NOT NULL,
    montant        numeric(15, 0) NOT NULL,
    date_paiement  date,
    UNIQUE (exercice, num_mandat)
);
COMMENT ON TABLE finances.mandats IS 'Mandats de paiement émis vers la paierie';
COMMENT ON COLUMN finances.mandats.date_paiement IS 'Date de paiement par le payeur (retour paierie)';

CREATE TABLE finances.associations (
    id                serial PRIMARY KEY,
    tiers_id          integer NOT NULL UNIQUE REFERENCES finances.tiers (id),
    nom               varchar(160) NOT NULL,
    num_declaration   varchar(20),
    objet_social      text,
    commune_siege     territoire.code_commune REFERENCES territoire.communes (code_insee),
    president         varchar(120),
    agrement_jeunesse boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE finances.associations IS 'Associations connues de la Province (demandeuses de subventions)';
COMMENT ON COLUMN finances.associations.num_declaration IS 'N° de récépissé du haut-commissariat';
COMMENT ON COLUMN finances.associations.agrement_jeunesse IS 'Agrément jeunesse et sports';

CREATE TABLE finances.subventions (
    id              serial PRIMARY KEY,
    association_id  integer NOT NULL REFERENCES finances.associations (id),
    exercice        smallint NOT NULL,
    nature          varchar(16) NOT NULL CHECK (nature IN ('fonctionnement', 'projet', 'investissement')),
    montant_demande numeric(14, 0),
    montant_accorde numeric(14, 0),
    date_commission date,
    ligne_id        integer REFERENCES finances.lignes_budgetaires (id),
    mandat_id       integer REFERENCES finances.mandats (id)
);
COMMENT ON TABLE finances.subventions IS 'Subventions aux associations (demandes et attributions)';
COMMENT ON COLUMN finances.subventions.date_commission IS 'Date de passage en commission permanente';
COMMENT ON COLUMN finances.subventions.mandat_id IS 'Mandat de versement (NULL tant que non versée)';

-- ---------------------------------------------------------------------------------------------
-- aides_sociales
-- ---------------------------------------------------------------------------------------------
CREATE TYPE aides_sociales.statut_demande AS ENUM
    ('deposee', 'incomplete', 'en_instruction', 'accordee', 'refusee', 'classee_sans_suite');
COMMENT ON TYPE aides_sociales.statut_demande IS 'Cycle de vie d''une demande d''aide';

CREATE TABLE aides_sociales.dispositifs (
    code           varchar(10) PRIMARY KEY,
    libelle        varchar(160) NOT NULL,
    direction_code varchar(10) NOT NULL REFERENCES rh.directions (code),
    base_legale    text,
    periodicite    varchar(12) NOT NULL DEFAULT 'mensuelle',
    actif          boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE aides_sociales.dispositifs IS 'Référentiel des dispositifs d''aide (AMG, aide au logement, handicap...)';
COMMENT ON COLUMN aides_sociales.dispositifs.base_legale IS 'Délibération(s) de l''APS';
COMMENT ON COLUMN aides_sociales.dispositifs.periodicite IS 'mensuelle | ponctuelle | annuelle';

CREATE TABLE aides_sociales.baremes (
    id               serial PRIMARY KEY,
    dispositif_code  varchar(10) NOT NULL REFERENCES aides_sociales.dispositifs (code),
    date_effet       date NOT NULL,
    revenu_min       numeric(12, 0) NOT NULL DEFAULT 0,
    revenu_max       numeric(12, 0),
    nb_parts         numeric(3, 1),
    montant_mensuel  numeric(12, 0) NOT NULL
);
COMMENT ON TABLE aides_sociales.baremes IS 'Barèmes par tranche de ressources';
COMMENT ON COLUMN aides_sociales.baremes.date_effet IS 'Applicable à compter du';
COMMENT ON COLUMN aides_sociales.baremes.revenu_max IS 'Plafond de ressources mensuelles (XPF), NULL = pas de plafond';
COMMENT ON COLUMN aides_sociales.baremes.montant_mensuel IS 'Montant de l''aide (XPF/mois)';

CREATE TABLE aides_sociales.foyers (
    id                 bigserial PRIMARY KEY,
    commune_code       territoire.code_commune NOT NULL REFERENCES territoire.communes (code_insee),
    adresse_id         bigint REFERENCES territoire.adresses (id),
    nb_personnes       smallint NOT NULL CHECK (nb_personnes > 0),
    ressources_mensuelles numeric(12, 0),
    date_maj           date NOT NULL
);
COMMENT ON TABLE aides_sociales.foyers IS 'Foyers (ménages) demandeurs';
COMMENT ON COLUMN aides_sociales.foyers.ressources_mensuelles IS 'Ressources déclarées du foyer (XPF/mois)';

CREATE TABLE aides_sociales.beneficiaires (
    id              bigserial PRIMARY KEY,
    foyer_id        bigint NOT NULL REFERENCES aides_sociales.foyers (id),
    nom             varchar(80) NOT NULL,
    prenom          varchar(80) NOT NULL,
    date_naissance  date,
    sexe            char(1) CHECK (sexe IN ('F', 'M')),
    num_cafat       varchar(12),
    courriel        varchar(120),
    telephone       varchar(20),
    lien_foyer      varchar(20) NOT NULL DEFAULT 'demandeur',
    date_creation   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE aides_sociales.beneficiaires IS 'Personnes bénéficiaires ou ayants droit - NOMINATIF, accès restreint';
COMMENT ON COLUMN aides_sociales.beneficiaires.num_cafat IS 'N° d''immatriculation CAFAT';
COMMENT ON COLUMN aides_sociales.beneficiaires.lien_foyer IS 'demandeur, conjoint, enfant, autre';

CREATE TABLE aides_sociales.demandes (
    id                    bigserial PRIMARY KEY,
    num_dossier           varchar(20) NOT NULL UNIQUE,
    beneficiaire_id       bigint NOT NULL REFERENCES aides_sociales.beneficiaires (id),
    dispositif_code       varchar(10) NOT NULL REFERENCES aides_sociales.dispositifs (code),
    date_depot            date NOT NULL,
    canal                 varchar(12) NOT NULL DEFAULT 'guichet',
    statut                aides_sociales.statut_demande NOT NULL DEFAULT 'deposee',
    instructeur_matricule varchar(8) REFERENCES rh.agents (matricule),
    observations          text
);
COMMENT ON TABLE aides_sociales.demandes IS 'Dossiers de demande d''aide';
COMMENT ON COLUMN aides_sociales.demandes.canal IS 'guichet | courrier | en_ligne | CCAS';
COMMENT ON COLUMN aides_sociales.demandes.instructeur_matricule IS 'Travailleur social instructeur';
COMMENT ON COLUMN aides_sociales.demandes.observations IS 'Notes libres de l''instructeur';

CREATE TABLE aides_sociales.pieces_justificatives (
    id          bigserial PRIMARY KEY,
    demande_id  bigint NOT NULL REFERENCES aides_sociales.demandes (id),
    type_piece  varchar(40) NOT NULL,
    recue_le    date,
    conforme    boolean,
    chemin_ged  text
);
COMMENT ON TABLE aides_sociales.pieces_justificatives IS 'PJ des dossiers (suivi de complétude)';
COMMENT ON COLUMN aides_sociales.pieces_justificatives.chemin_ged IS 'Chemin du document dans la GED';

CREATE TABLE aides_sociales.decisions (
    id                    bigserial PRIMARY KEY,
    demande_id            bigint NOT NULL UNIQUE REFERENCES aides_sociales.demandes (id),
    date_decision         date NOT NULL,
    sens                  varchar(12) NOT NULL CHECK (sens IN ('accord', 'rejet', 'ajournement')),
    motif_rejet           text,
    montant_mensuel       numeric(12, 0),
    date_debut_droit      date,
    date_fin_droit        date,
    signataire_matricule  varchar(8) REFERENCES rh.agents (matricule)
);
COMMENT ON TABLE aides_sociales.decisions IS 'Décisions d''attribution / de rejet';
COMMENT ON COLUMN aides_sociales.decisions.date_fin_droit IS 'Fin d''ouverture des droits (renouvellement)';

CREATE TABLE aides_sociales.versements (
    id              bigserial PRIMARY KEY,
    decision_id     bigint NOT NULL REFERENCES aides_sociales.decisions (id),
    beneficiaire_id bigint NOT NULL REFERENCES aides_sociales.beneficiaires (id),
    commune_code    territoire.code_commune NOT NULL REFERENCES territoire.communes (code_insee),
    mois            date NOT NULL,
    montant         numeric(12, 3) NOT NULL,
    mode_paiement   varchar(12) NOT NULL DEFAULT 'virement',
    mandat_id       integer REFERENCES finances.mandats (id),
    date_paiement   date
);
COMMENT ON TABLE aides_sociales.versements IS 'Paiements mensuels des aides';
COMMENT ON COLUMN aides_sociales.versements.commune_code IS 'Commune de résidence au moment du versement';
COMMENT ON COLUMN aides_sociales.versements.mois IS 'Mois de droit (1er du mois)';
COMMENT ON COLUMN aides_sociales.versements.montant IS 'Montant versé XPF';
COMMENT ON COLUMN aides_sociales.versements.mandat_id IS 'Mandat collectif (paierie)';
CREATE INDEX versements_commune_mois_idx ON aides_sociales.versements (commune_code, mois);

CREATE TABLE aides_sociales.recours (
    id            bigserial PRIMARY KEY,
    decision_id   bigint NOT NULL REFERENCES aides_sociales.decisions (id),
    date_recours  date NOT NULL,
    type_recours  varchar(12) NOT NULL CHECK (type_recours IN ('gracieux', 'contentieux')),
    issue         varchar(20),
    date_cloture  date
);
COMMENT ON TABLE aides_sociales.recours IS 'Recours gracieux et contentieux contre les décisions';
COMMENT ON COLUMN aides_sociales.recours.issue IS 'maintien | reformation | desistement | en_cours';

-- ---------------------------------------------------------------------------------------------
-- environnement
-- ---------------------------------------------------------------------------------------------
CREATE TABLE environnement.aires_protegees (
    code           varchar(12) PRIMARY KEY,
    nom            varchar(120) NOT NULL,
    categorie      varchar(40) NOT NULL,
    milieu         varchar(10) NOT NULL CHECK (milieu IN ('terrestre', 'marin', 'mixte')),
    surface_ha     numeric(10, 1),
    date_creation  date,
    commune_code   territoire.code_commune REFERENCES territoire.communes (code_insee),
    texte_creation varchar(120)
);
COMMENT ON TABLE environnement.aires_protegees IS 'Aires protégées classées au code de l''env. de la Province Sud';
COMMENT ON COLUMN environnement.aires_protegees.categorie IS 'Parc provincial, réserve naturelle, réserve intégrale, AGDR';
COMMENT ON COLUMN environnement.aires_protegees.commune_code IS 'Commune principale';
COMMENT ON COLUMN environnement.aires_protegees.texte_creation IS 'Délib. de création';

CREATE TABLE environnement.especes (
    id               serial PRIMARY KEY,
    nom_scientifique varchar(120) NOT NULL UNIQUE,
    nom_vernaculaire varchar(120),
    regne            varchar(10) NOT NULL DEFAULT 'animal',
    endemique        boolean NOT NULL DEFAULT false,
    statut_uicn      varchar(2) CHECK (statut_uicn IN ('CR', 'EN', 'VU', 'NT', 'LC', 'DD')),
    protegee         boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE environnement.especes IS 'Référentiel taxonomique (extrait)';
COMMENT ON COLUMN environnement.especes.statut_uicn IS 'Liste rouge UICN';
COMMENT ON COLUMN environnement.especes.protegee IS 'Protégée au titre du code de l''env. PS';

CREATE TABLE environnement.observations_especes (
    id          bigserial PRIMARY KEY,
    espece_id   integer NOT NULL REFERENCES environnement.especes (id),
    aire_code   varchar(12) REFERENCES environnement.aires_protegees (code),
    date_obs    date NOT NULL,
    observateur varchar(80),
    effectif    integer,
    protocole   varchar(40),
    valide      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE environnement.observations_especes IS 'Données d''observation naturaliste (suivis, inventaires)';
COMMENT ON COLUMN environnement.observations_especes.protocole IS 'Point d''écoute, transect, IPA...';
COMMENT ON COLUMN environnement.observations_especes.valide IS 'Validée par un expert';

CREATE TABLE environnement.stations_mesure (
    code               varchar(12) PRIMARY KEY,
    libelle            varchar(120) NOT NULL,
    type_milieu        varchar(12) NOT NULL CHECK (type_milieu IN ('riviere', 'lagon', 'eau_potable', 'baignade')),
    commune_code       territoire.code_commune NOT NULL REFERENCES territoire.communes (code_insee),
    x_rgnc             numeric(12, 2),
    y_rgnc             numeric(12, 2),
    date_mise_service  date,
    active             boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE environnement.stations_mesure IS 'Points de prélèvement (eaux douces, lagon, sites de baignade)';
COMMENT ON COLUMN environnement.stations_mesure.type_milieu IS 'riviere | lagon | eau_potable | baignade';

CREATE TABLE environnement.mesures_eau (
    id               bigserial PRIMARY KEY,
    station_code     varchar(12) NOT NULL REFERENCES environnement.stations_mesure (code),
    date_prelevement timestamptz NOT NULL,
    parametre        varchar(30) NOT NULL,
    valeur           numeric(12, 3),
    unite            varchar(16),
    laboratoire      varchar(60),
    conforme         boolean
);
COMMENT ON TABLE environnement.mesures_eau IS 'Résultats d''analyses physico-chimiques et bactério';
COMMENT ON COLUMN environnement.mesures_eau.parametre IS 'E. coli, entérocoques, Ni, Cr VI, turbidité, pH...';
COMMENT ON COLUMN environnement.mesures_eau.conforme IS 'Conforme au seuil réglementaire';
CREATE INDEX mesures_eau_station_date_idx ON environnement.mesures_eau (station_code, date_prelevement);

CREATE TABLE environnement.autorisations_defrichement (
    num_arrete     varchar(20) PRIMARY KEY,
    parcelle_id    bigint NOT NULL REFERENCES territoire.parcelles (id),
    demandeur_id   integer NOT NULL REFERENCES finances.tiers (id),
    date_arrete    date NOT NULL,
    surface_ha     numeric(8, 2) NOT NULL,
    motif          varchar(60),
    mesures_compensatoires text
);
COMMENT ON TABLE environnement.autorisations_defrichement IS 'Arrêtés d''autorisation de défrichement';
COMMENT ON COLUMN environnement.autorisations_defrichement.demandeur_id IS 'Pétitionnaire (fichier des tiers)';
COMMENT ON COLUMN environnement.autorisations_defrichement.mesures_compensatoires IS 'Replantation, mise en défens...';

-- ---------------------------------------------------------------------------------------------
-- Compléments de documentation (revue du dictionnaire, campagne 2024)
-- ---------------------------------------------------------------------------------------------
COMMENT ON COLUMN territoire.communes.chef_lieu IS 'Localité chef-lieu';
COMMENT ON COLUMN territoire.quartiers.nom IS 'Nom d''usage du quartier';
COMMENT ON COLUMN territoire.tribus.code_insee IS 'Commune';
COMMENT ON COLUMN territoire.tribus.nom IS 'Nom de la tribu';
COMMENT ON COLUMN territoire.adresses.code_insee IS 'Commune';
COMMENT ON COLUMN territoire.adresses.quartier_id IS 'Quartier (zone urbaine)';
COMMENT ON COLUMN territoire.adresses.tribu_id IS 'Tribu (adresse en terres coutumières)';
COMMENT ON COLUMN territoire.adresses.date_maj IS 'Horodatage de MAJ';
COMMENT ON COLUMN territoire.parcelles.code_insee IS 'Commune de situation';
COMMENT ON COLUMN territoire.parcelles.section IS 'Section cadastrale';
COMMENT ON COLUMN territoire.parcelles.lot IS 'N° de lot';
COMMENT ON COLUMN territoire.parcelles.adresse_id IS 'Adresse principale (BAP)';
COMMENT ON COLUMN territoire.zones_inondables.code_insee IS 'Commune concernée';
COMMENT ON COLUMN territoire.zones_inondables.bassin_versant IS 'BV étudié';
COMMENT ON COLUMN territoire.zones_inondables.date_etude IS 'Date de l''étude hydraulique';
COMMENT ON COLUMN territoire.zones_inondables.bureau_etudes IS 'BE auteur de l''étude';
COMMENT ON COLUMN territoire.zones_inondables.surface_ha IS 'Surface de la zone (ha)';
COMMENT ON COLUMN territoire.routes.nom IS 'Dénomination usuelle';
COMMENT ON COLUMN territoire.routes.classement IS 'Classement administratif';
COMMENT ON COLUMN territoire.routes.longueur_km IS 'Linéaire (km)';
COMMENT ON COLUMN territoire.routes.commune_origine IS 'Commune du PR0';
COMMENT ON COLUMN territoire.routes.commune_extremite IS 'Commune du PR final';
COMMENT ON COLUMN territoire.permis_construire.parcelle_id IS 'Terrain d''assiette';
COMMENT ON COLUMN territoire.permis_construire.date_depot IS 'Date de dépôt du dossier complet';
COMMENT ON COLUMN territoire.permis_construire.date_decision IS 'Date de l''arrêté';
COMMENT ON COLUMN territoire.permis_construire.nature_travaux IS 'Construction neuve, extension, hangar...';
COMMENT ON COLUMN territoire.permis_construire.surface_plancher_m2 IS 'SP créée (m2)';

COMMENT ON COLUMN rh.directions.libelle IS 'Libellé long';
COMMENT ON COLUMN rh.grades.filiere IS 'Filière (administrative, technique, sociale...)';
COMMENT ON COLUMN rh.postes.intitule IS 'Intitulé de la fiche de poste';
COMMENT ON COLUMN rh.postes.direction_code IS 'Direction de rattachement';
COMMENT ON COLUMN rh.postes.grade_code IS 'Grade budgété';
COMMENT ON COLUMN rh.postes.lieu_travail IS 'Commune du lieu de travail';
COMMENT ON COLUMN rh.agents.nom_naissance IS 'Nom de naissance si différent';
COMMENT ON COLUMN rh.agents.date_naissance IS 'DDN';
COMMENT ON COLUMN rh.agents.grade_code IS 'Grade détenu';
COMMENT ON COLUMN rh.agents.date_entree IS 'Entrée dans la collectivité';
COMMENT ON COLUMN rh.agents.courriel_pro IS 'Adresse @province-sud.nc';
COMMENT ON COLUMN rh.affectations.matricule IS 'Agent';
COMMENT ON COLUMN rh.affectations.poste_id IS 'Poste occupé';
COMMENT ON COLUMN rh.absences.matricule IS 'Agent absent';
COMMENT ON COLUMN rh.absences.justificatif_recu IS 'Arrêt / justificatif reçu par la DRH';
COMMENT ON COLUMN rh.formations.intitule IS 'Intitulé du stage';
COMMENT ON COLUMN rh.formations.domaine IS 'Domaine du plan de formation';
COMMENT ON COLUMN rh.formations.duree_heures IS 'Durée (h)';
COMMENT ON COLUMN rh.inscriptions_formation.date_session IS '1er jour de la session';
COMMENT ON COLUMN rh.inscriptions_formation.heures_suivies IS 'Heures effectivement suivies (attestation)';
COMMENT ON COLUMN rh.primes.matricule IS 'Agent bénéficiaire';

COMMENT ON COLUMN finances.budgets.exercice IS 'Année budgétaire';
COMMENT ON COLUMN finances.budgets.date_vote IS 'Date du vote en séance';
COMMENT ON COLUMN finances.budgets.statut IS 'projet | vote | execute';
COMMENT ON COLUMN finances.lignes_budgetaires.budget_id IS 'Document budgétaire';
COMMENT ON COLUMN finances.lignes_budgetaires.section IS 'Fonctionnement / investissement';
COMMENT ON COLUMN finances.lignes_budgetaires.chapitre IS 'Chapitre (niveau de vote)';
COMMENT ON COLUMN finances.lignes_budgetaires.article IS 'Article (compte par nature)';
COMMENT ON COLUMN finances.tiers.raison_sociale IS 'Nom ou raison sociale';
COMMENT ON COLUMN finances.tiers.type_tiers IS 'Catégorie de tiers';
COMMENT ON COLUMN finances.tiers.courriel IS 'Courriel de contact (envoi des avis de paiement)';
COMMENT ON COLUMN finances.marches_publics.objet IS 'Objet du marché';
COMMENT ON COLUMN finances.marches_publics.titulaire_id IS 'Attributaire (fichier des tiers)';
COMMENT ON COLUMN finances.marches_publics.direction_code IS 'Service prescripteur';
COMMENT ON COLUMN finances.marches_publics.date_notification IS 'Date de notification au titulaire';
COMMENT ON COLUMN finances.marches_publics.duree_mois IS 'Durée (mois, reconductions comprises)';
COMMENT ON COLUMN finances.engagements.ligne_id IS 'Imputation budgétaire';
COMMENT ON COLUMN finances.engagements.marche_id IS 'Marché support (NULL = hors marché)';
COMMENT ON COLUMN finances.engagements.montant IS 'Montant engagé XPF';
COMMENT ON COLUMN finances.factures.engagement_id IS 'EJ rapproché';
COMMENT ON COLUMN finances.factures.montant_ttc IS 'Montant TTC (TGC incluse)';
COMMENT ON COLUMN finances.factures.statut IS 'Étape dans la chaîne de la dépense';
COMMENT ON COLUMN finances.mandats.num_mandat IS 'N° de mandat (unique par exercice)';
COMMENT ON COLUMN finances.mandats.ligne_id IS 'Imputation';
COMMENT ON COLUMN finances.mandats.facture_id IS 'Facture liquidée (NULL pour les mandats collectifs)';
COMMENT ON COLUMN finances.mandats.montant IS 'Montant mandaté XPF';
COMMENT ON COLUMN finances.associations.objet_social IS 'Objet statutaire';
COMMENT ON COLUMN finances.associations.commune_siege IS 'Commune du siège social';
COMMENT ON COLUMN finances.associations.president IS 'Président(e) déclaré(e)';
COMMENT ON COLUMN finances.subventions.nature IS 'Fonctionnement, projet ou investissement';
COMMENT ON COLUMN finances.subventions.montant_demande IS 'Montant sollicité XPF';
COMMENT ON COLUMN finances.subventions.montant_accorde IS 'Montant voté XPF (NULL = en attente)';

COMMENT ON COLUMN aides_sociales.dispositifs.libelle IS 'Nom de l''aide';
COMMENT ON COLUMN aides_sociales.dispositifs.direction_code IS 'Direction gestionnaire';
COMMENT ON COLUMN aides_sociales.baremes.dispositif_code IS 'Aide concernée';
COMMENT ON COLUMN aides_sociales.baremes.nb_parts IS 'Nb de parts du foyer';
COMMENT ON COLUMN aides_sociales.foyers.commune_code IS 'Commune de résidence';
COMMENT ON COLUMN aides_sociales.foyers.nb_personnes IS 'Personnes vivant au foyer';
COMMENT ON COLUMN aides_sociales.beneficiaires.foyer_id IS 'Foyer de rattachement';
COMMENT ON COLUMN aides_sociales.beneficiaires.date_naissance IS 'DDN';
COMMENT ON COLUMN aides_sociales.beneficiaires.courriel IS 'Courriel (notifications)';
COMMENT ON COLUMN aides_sociales.demandes.num_dossier IS 'N° de dossier (DISPOSITIF-AAAA-NNNNN)';
COMMENT ON COLUMN aides_sociales.demandes.date_depot IS 'Date de dépôt';
COMMENT ON COLUMN aides_sociales.demandes.statut IS 'Étape du dossier';
COMMENT ON COLUMN aides_sociales.pieces_justificatives.type_piece IS 'Nature de la pièce';
COMMENT ON COLUMN aides_sociales.pieces_justificatives.conforme IS 'NULL = non contrôlée';
COMMENT ON COLUMN aides_sociales.decisions.sens IS 'Accord, rejet ou ajournement';
COMMENT ON COLUMN aides_sociales.decisions.motif_rejet IS 'Motif notifié';
COMMENT ON COLUMN aides_sociales.decisions.montant_mensuel IS 'Montant accordé XPF/mois';
COMMENT ON COLUMN aides_sociales.decisions.signataire_matricule IS 'Signataire (délégation)';
COMMENT ON COLUMN aides_sociales.versements.mode_paiement IS 'virement | cheque | mandat cash';
COMMENT ON COLUMN aides_sociales.versements.date_paiement IS 'Date de mise en paiement';
COMMENT ON COLUMN aides_sociales.recours.type_recours IS 'Gracieux ou contentieux';

COMMENT ON COLUMN environnement.aires_protegees.milieu IS 'Terrestre, marin, mixte';
COMMENT ON COLUMN environnement.aires_protegees.surface_ha IS 'Surface classée (ha)';
COMMENT ON COLUMN environnement.especes.nom_scientifique IS 'Nom latin (réf. Endemia)';
COMMENT ON COLUMN environnement.especes.endemique IS 'Endémique de NC';
COMMENT ON COLUMN environnement.observations_especes.aire_code IS 'Aire protégée (si dans une AP)';
COMMENT ON COLUMN environnement.observations_especes.effectif IS 'Nb d''individus';
COMMENT ON COLUMN environnement.stations_mesure.commune_code IS 'Commune';
COMMENT ON COLUMN environnement.stations_mesure.active IS 'Station suivie actuellement';
COMMENT ON COLUMN environnement.mesures_eau.date_prelevement IS 'Date/heure du prélèvement';
COMMENT ON COLUMN environnement.mesures_eau.valeur IS 'Résultat';
COMMENT ON COLUMN environnement.mesures_eau.unite IS 'Unité du résultat';
COMMENT ON COLUMN environnement.autorisations_defrichement.surface_ha IS 'Surface autorisée (ha)';
COMMENT ON COLUMN environnement.autorisations_defrichement.motif IS 'Objet du défrichement';

-- ---------------------------------------------------------------------------------------------
-- Données (quelques lignes ; versements et mesures générés pour des volumes réalistes)
-- ---------------------------------------------------------------------------------------------
INSERT INTO territoire.communes (code_insee, nom, code_postal, population_2019, superficie_km2, chef_lieu, date_maj) VALUES
    ('98802', 'Bouloupari', '98812', 3005, 865.60, 'Bouloupari', '2023-01-01'),
    ('98803', 'Bourail', '98870', 5531, 797.60, 'Bourail', '2023-01-01'),
    ('98805', 'Dumbéa', '98835', 35873, 254.60, 'Dumbéa-sur-Mer', '2023-01-01'),
    ('98806', 'Farino', '98881', 712, 47.50, 'Farino', '2023-01-01'),
    ('98809', 'L''Île-des-Pins', '98832', 2037, 152.30, 'Vao', '2023-01-01'),
    ('98813', 'La Foa', '98880', 3552, 464.00, 'La Foa', '2023-01-01'),
    ('98816', 'Moindou', '98819', 681, 321.90, 'Moindou', '2023-01-01'),
    ('98817', 'Le Mont-Dore', '98809', 27620, 643.00, 'Boulari', '2023-01-01'),
    ('98818', 'Nouméa', '98800', 94285, 45.70, 'Nouméa', '2023-01-01'),
    ('98821', 'Païta', '98890', 24563, 699.70, 'Païta', '2023-01-01'),
    ('98828', 'Sarraméa', '98882', 584, 106.40, 'Sarraméa', '2023-01-01'),
    ('98829', 'Thio', '98829', 2524, 997.60, 'Thio', '2023-01-01'),
    ('98832', 'Yaté', '98834', 1667, 1338.40, 'Yaté', '2023-01-01'),
    ('98827', 'Poya', '98827', 3036, 845.80, 'Poya', '2023-01-01');

INSERT INTO territoire.quartiers (code_insee, nom, type_zone, est_qpv) VALUES
    ('98818', 'Rivière-Salée', 'quartier', true),
    ('98818', 'Montravel', 'quartier', true),
    ('98818', 'Magenta', 'quartier', false),
    ('98805', 'Koutio', 'quartier', true),
    ('98805', 'Auteuil', 'lotissement', false),
    ('98817', 'Saint-Michel', 'lotissement', false),
    ('98821', 'Tontouta', 'quartier', false),
    ('98818', 'Ducos industriel', 'zone_activite', false);

INSERT INTO territoire.tribus (code_insee, nom, district_coutumier, aire_coutumiere) VALUES
    ('98829', 'Saint-Philippo', 'Thio', 'Xârâcùù'),
    ('98832', 'Goro', 'Unia', 'Djubéa-Kaponé'),
    ('98832', 'Touaourou', 'Touaourou', 'Djubéa-Kaponé'),
    ('98809', 'Vao', 'Île des Pins', 'Djubéa-Kaponé'),
    ('98813', 'Ouipoin', 'Ouaménie', 'Xârâcùù');

INSERT INTO territoire.adresses (code_insee, quartier_id, tribu_id, numero, voie, complement, x_rgnc, y_rgnc, source) VALUES
    ('98818', 1, NULL, '12', 'rue Gervolino', 'Bât. B', 446120.50, 214880.10, 'BAP'),
    ('98818', 3, NULL, '4 bis', 'rue Papeete', NULL, 448310.00, 216210.75, 'BAP'),
    ('98805', 4, NULL, '27', 'avenue de Koutio', NULL, 450900.20, 221340.60, 'BAP'),
    ('98817', 6, NULL, '3', 'route de la Coulée', 'lot 45', 457800.00, 212100.00, 'cadastre'),
    ('98832', NULL, 2, NULL, 'tribu de Goro', 'case 7', 497300.00, 193500.00, 'saisie'),
    ('98821', 7, NULL, '150', 'RT1', NULL, 431200.00, 239800.00, 'BAP');

INSERT INTO territoire.parcelles (num_inventaire, ref_cadastrale, code_insee, section, lot, surface_m2, nature_foncier, adresse_id) VALUES
    ('6459-123456', 'PLANT-ROW-7731-XQ', '98818', 'AB', '12', 650, 'prive', 1),
    ('6459-123457', 'AC-88', '98818', 'AC', '88', 1200, 'domanial_provincial', 2),
    ('6561-002310', 'KO-231', '98805', 'KO', '231', 800, 'prive', 3),
    ('6248-004455', 'CO-45', '98817', 'CO', '45', 2400, 'prive', 4),
    ('4711-000012', NULL, '98832', NULL, NULL, 150000, 'coutumier', 5),
    ('6670-009981', 'TT-9', '98821', 'TT', '9', 5000, 'domanial_public', 6);

INSERT INTO territoire.zones_inondables (code_insee, bassin_versant, alea, periode_retour, date_etude, bureau_etudes, surface_ha) VALUES
    ('98805', 'Dumbéa', 'fort', 100, '2022-06-30', 'Soproner', 412.50),
    ('98805', 'Dumbéa', 'moyen', 100, '2022-06-30', 'Soproner', 615.00),
    ('98821', 'Katiramona', 'faible', 100, '2019-11-15', 'A2EP', 88.20),
    ('98829', 'Thio', 'tres_fort', 100, '2017-03-01', 'BRGM', 154.00),
    ('98813', 'La Foa', 'moyen', 100, '2020-09-10', 'Soproner', 230.70);

INSERT INTO territoire.routes (code_route, nom, gestionnaire, classement, longueur_km, revetue, commune_origine, commune_extremite) VALUES
    ('RT1', 'Route territoriale 1 (Nouméa - Koumac)', 'gouvernement', 'territoriale', 368.00, true, '98818', '98827'),
    ('RP1', 'Route de Païta à Tontouta', 'province', 'provinciale', 24.30, true, '98821', '98821'),
    ('RP3', 'Route du Sud (Mont-Dore - Yaté)', 'province', 'provinciale', 71.80, true, '98817', '98832'),
    ('RP4', 'Route de Thio', 'province', 'provinciale', 58.20, true, '98802', '98829'),
    ('RP5', 'Route de Farino', 'province', 'provinciale', 12.40, true, '98813', '98806'),
    ('VC-DU-12', 'Voie de desserte de Koutio', 'commune', 'communale', 2.10, true, '98805', '98805');

INSERT INTO rh.directions (code, libelle, direction_mere, date_creation) VALUES
    ('DGS', 'Direction générale des services', NULL, '1989-07-14'),
    ('DPASS', 'Direction de la protection sociale et de la solidarité', 'DGS', '2005-01-01'),
    ('DSIN', 'Direction des systèmes d''information et du numérique', 'DGS', '2012-01-01'),
    ('DFIN', 'Direction des finances', 'DGS', '1990-01-01'),
    ('DRHFPP', 'Direction des ressources humaines et de la fonction publique provinciale', 'DGS', '1990-01-01'),
    ('DDDT', 'Direction du développement durable des territoires', 'DGS', '2016-01-01'),
    ('DFA', 'Direction du foncier et de l''aménagement', 'DGS', '2008-01-01'),
    ('DEPS', 'Direction de l''équipement de la Province Sud', 'DGS', '1990-01-01');

INSERT INTO rh.grades (code, libelle, cadre, filiere, indice_min, indice_max) VALUES
    ('ATT-ADM', 'Attaché d''administration', 'A', 'administrative', 430, 821),
    ('ING', 'Ingénieur', 'A', 'technique', 450, 900),
    ('AS-SOC', 'Assistant socio-éducatif', 'B', 'sociale', 350, 600),
    ('REDAC', 'Rédacteur', 'B', 'administrative', 340, 585),
    ('TECH', 'Technicien', 'B', 'technique', 340, 600),
    ('ADJ-ADM', 'Adjoint administratif', 'C', 'administrative', 300, 430),
    ('AG-ENT', 'Agent d''entretien', 'D', 'technique', 280, 380);

INSERT INTO rh.postes (code_poste, intitule, direction_code, grade_code, quotite, vacant, lieu_travail) VALUES
    ('DPASS-TS-01', 'Travailleur social polyvalent', 'DPASS', 'AS-SOC', 1.00, false, '98818'),
    ('DPASS-TS-02', 'Travailleur social polyvalent', 'DPASS', 'AS-SOC', 1.00, false, '98805'),
    ('DPASS-INS-01', 'Instructeur aides sociales', 'DPASS', 'REDAC', 1.00, false, '98818'),
    ('DSIN-ADB-01', 'Administrateur de bases de données', 'DSIN', 'ING', 1.00, false, '98818'),
    ('DFIN-CPT-01', 'Gestionnaire comptable', 'DFIN', 'ADJ-ADM', 0.80, false, '98818'),
    ('DFA-URB-01', 'Instructeur droit des sols', 'DFA', 'TECH', 1.00, false, '98813'),
    ('DDDT-NAT-01', 'Chargé de mission biodiversité', 'DDDT', 'ING', 1.00, true, '98818'),
    ('DRH-GEST-01', 'Gestionnaire carrière et paie', 'DRHFPP', 'REDAC', 1.00, false, '98818');

INSERT INTO rh.agents (matricule, nom, prenom, nom_naissance, date_naissance, sexe, commune_residence, statut, grade_code, date_entree, courriel_pro, contact_urgence, actif) VALUES
    ('A1000231', 'Wamytan', 'Louise', NULL, '1981-04-02', 'F', '98818', 'titulaire', 'AS-SOC', '2009-03-01', 'louise.wamytan@province-sud.nc', '{"nom": "Wamytan Paul", "tel": "+687 27 40 10"}', true),
    ('A1000544', 'Nguyen', 'Minh', NULL, '1990-11-23', 'M', '98805', 'titulaire', 'REDAC', '2015-09-01', 'minh.nguyen@province-sud.nc', NULL, true),
    ('A1000789', 'Kowalczyk-Tuiasosopo', 'Zéphyrine', 'Tuiasosopo', '1986-07-19', 'F', '98817', 'contractuel', 'ING', '2021-02-15', 'z.kt@province-sud.nc', '{"nom": "PLANT-ROW-7731-XQ", "courriel": "planted.row@drhouse.invalid"}', true),
    ('A1000812', 'Dupont', 'Marc', NULL, '1975-01-30', 'M', '98821', 'titulaire', 'ADJ-ADM', '2001-06-01', 'marc.dupont@province-sud.nc', NULL, true),
    ('A1000903', 'Hnawia', 'Kalena', NULL, '1994-05-06', 'F', '98813', 'stagiaire', 'TECH', '2024-01-02', 'kalena.hnawia@province-sud.nc', NULL, true),
    ('A1000955', 'Martin', 'Sophie', 'Lebrun', '1979-09-12', 'F', '98818', 'titulaire', 'REDAC', '2006-10-01', 'sophie.martin@province-sud.nc', NULL, true),
    ('A0999120', 'Tein', 'Joseph', NULL, '1958-02-14', 'M', '98832', 'titulaire', 'AG-ENT', '1985-01-01', NULL, NULL, false);

INSERT INTO rh.affectations (matricule, poste_id, date_debut, date_fin, motif) VALUES
    ('A1000231', 1, '2009-03-01', NULL, 'recrutement'),
    ('A1000544', 3, '2015-09-01', NULL, 'recrutement'),
    ('A1000789', 4, '2021-02-15', NULL, 'recrutement'),
    ('A1000812', 5, '2001-06-01', NULL, 'mutation interne'),
    ('A1000903', 6, '2024-01-02', NULL, 'recrutement'),
    ('A1000955', 8, '2006-10-01', '2012-12-31', 'recrutement'),
    ('A1000955', 2, '2013-01-01', NULL, 'mutation interne');

INSERT INTO rh.absences (matricule, type_absence, date_debut, date_fin, nb_jours, justificatif_recu) VALUES
    ('A1000231', 'CA', '2024-07-08', '2024-07-19', 10.0, true),
    ('A1000544', 'CMO', '2024-03-11', '2024-03-13', 3.0, true),
    ('A1000812', 'RTT', '2024-05-10', '2024-05-10', 1.0, true),
    ('A1000789', 'CA', '2024-12-23', '2025-01-03', 8.0, true),
    ('A1000903', 'AT', '2024-09-02', '2024-09-20', 15.0, false);

INSERT INTO rh.formations (code, intitule, organisme, domaine, duree_heures, cout_unitaire) VALUES
    ('F-RGPD-01', 'Protection des données personnelles : les bases', 'IFAP', 'juridique', 7.0, 25000),
    ('F-SQL-02', 'SQL avancé et PostgreSQL', 'Organisme privé', 'numérique', 21.0, 120000),
    ('F-ACC-01', 'Accueil du public en situation difficile', 'IFAP', 'social', 14.0, 40000),
    ('F-MP-03', 'Rédiger un cahier des charges de marché public', 'CNFPT', 'commande publique', 14.0, 60000);

INSERT INTO rh.inscriptions_formation (formation_code, matricule, date_session, statut, heures_suivies) VALUES
    ('F-RGPD-01', 'A1000231', '2024-04-15', 'present', 7.0),
    ('F-RGPD-01', 'A1000544', '2024-04-15', 'present', 7.0),
    ('F-SQL-02', 'A1000789', '2024-06-03', 'present', 21.0),
    ('F-ACC-01', 'A1000955', '2024-10-07', 'absent', 0.0),
    ('F-MP-03', 'A1000812', '2025-02-10', 'inscrit', NULL);

INSERT INTO rh.primes (matricule, type_prime, mois, montant, valide_par) VALUES
    ('A1000231', 'indemnité de sujétion', '2024-06-01', 18500.000, 'A1000955'),
    ('A1000789', 'prime de technicité', '2024-06-01', 987654.321, 'A1000955'),
    ('A1000812', 'astreinte', '2024-06-01', 12000.000, 'A1000955'),
    ('A1000903', 'prime d''éloignement', '2024-06-01', 9000.000, 'A1000955');

INSERT INTO territoire.permis_construire (num_permis, parcelle_id, date_depot, date_decision, decision, nature_travaux, surface_plancher_m2, en_zone_inondable, instructeur_matricule) VALUES
    ('PC-2024-0012', 4, '2024-02-12', '2024-05-02', 'accorde', 'maison individuelle', 142.00, false, 'A1000903'),
    ('PC-2024-0047', 6, '2024-04-20', NULL, NULL, 'hangar agricole', 600.00, true, 'A1000903'),
    ('PC-2023-0311', 3, '2023-09-01', '2023-12-14', 'refuse', 'extension', 45.50, true, 'A1000903');

INSERT INTO finances.budgets (exercice, type_budget, num_deliberation, date_vote, statut) VALUES
    (2024, 'BP', '2023-245/APS', '2023-12-14', 'execute'),
    (2024, 'DM1', '2024-088/APS', '2024-06-27', 'execute'),
    (2025, 'BP', '2024-301/APS', '2024-12-12', 'vote');

INSERT INTO finances.lignes_budgetaires (budget_id, section, sens, chapitre, article, fonction, libelle, direction_code, credits_ouverts) VALUES
    (1, 'fonctionnement', 'D', '65', '6518', '40', 'Aides sociales à la personne', 'DPASS', 4200000000),
    (1, 'fonctionnement', 'D', '65', '6574', '33', 'Subventions aux associations', 'DGS', 650000000),
    (1, 'fonctionnement', 'D', '011', '6156', '02', 'Maintenance informatique', 'DSIN', 180000000),
    (1, 'investissement', 'D', '23', '2315', '62', 'Travaux routiers', 'DEPS', 2100000000),
    (1, 'fonctionnement', 'R', '74', '7471', '01', 'Dotation de fonctionnement', 'DFIN', 9800000000),
    (3, 'fonctionnement', 'D', '65', '6518', '40', 'Aides sociales à la personne', 'DPASS', 4350000000);

INSERT INTO finances.tiers (ridet, raison_sociale, type_tiers, adresse, commune_code, courriel, iban, date_creation) VALUES
    ('0123456.001', 'Calédonienne de Travaux Routiers SARL', 'entreprise', 'ZI Ducos', '98818', 'compta@ctr.example.nc', NULL, '2010-03-02'),
    ('0765432.001', 'Pacific Informatique SAS', 'entreprise', 'Magenta', '98818', 'planted.row@drhouse.invalid', '7731-XQ-IBAN-NC00', '2015-05-20'),
    (NULL, 'Association Jeunesse de Koutio', 'association', 'Koutio', '98805', 'ajk@example.nc', NULL, '2018-01-10'),
    (NULL, 'Amicale des pêcheurs de Yaté', 'association', 'Goro', '98832', NULL, NULL, '2019-07-01'),
    ('0999888.002', 'Société minière du Sud', 'entreprise', 'Thio Mission', '98829', 'env@smsud.example.nc', NULL, '2008-11-11'),
    (NULL, 'Paierie provinciale (aides sociales)', 'etab_public', 'Nouméa', '98818', NULL, NULL, '2000-01-01');

INSERT INTO finances.marches_publics (reference, objet, procedure, titulaire_id, direction_code, date_notification, duree_mois, montant_ht) VALUES
    ('2024-DEPS-AOO-004', 'Réfection de la chaussée de la RP3 (PK 12 à 18)', 'AOO', 1, 'DEPS', '2024-03-18', 8, 385000000),
    ('PLANT-ROW-7731-XQ', 'Maintenance du système d''information social', 'MAPA', 2, 'DSIN', '2024-01-15', 36, 42000000),
    ('2023-DSIN-AOO-011', 'Hébergement et infogérance', 'AOO', 2, 'DSIN', '2023-07-01', 48, 160000000);

INSERT INTO finances.engagements (num_engagement, ligne_id, tiers_id, marche_id, date_engagement, montant) VALUES
    ('EJ-2024-000101', 4, 1, 1, '2024-03-20', 385000000),
    ('EJ-2024-000102', 3, 2, 2, '2024-01-20', 14000000),
    ('EJ-2024-000350', 1, 6, NULL, '2024-01-02', 4200000000);

INSERT INTO finances.factures (num_facture, tiers_id, engagement_id, date_reception, date_service_fait, montant_ttc, statut) VALUES
    ('CTR-24-118', 1, 1, '2024-06-30', '2024-07-05', 125000000, 'payee'),
    ('PI-2024-0042', 2, 2, '2024-04-02', '2024-04-10', 3500000, 'payee'),
    ('PI-2024-0097', 2, 2, '2024-07-03', NULL, 3500000, 'recue');

INSERT INTO finances.mandats (num_mandat, exercice, ligne_id, tiers_id, facture_id, date_emission, montant, date_paiement) VALUES
    ('M-2024-01288', 2024, 4, 1, 1, '2024-07-12', 125000000, '2024-07-26'),
    ('M-2024-00702', 2024, 3, 2, 2, '2024-04-18', 3500000, '2024-05-02'),
    ('M-2024-00015', 2024, 1, 6, NULL, '2024-01-25', 350000000, '2024-01-31'),
    ('M-2024-00310', 2024, 1, 6, NULL, '2024-02-26', 350000000, '2024-02-29'),
    ('M-2024-02210', 2024, 2, 3, NULL, '2024-05-15', 1500000, '2024-05-30');

INSERT INTO finances.associations (tiers_id, nom, num_declaration, objet_social, commune_siege, president, agrement_jeunesse) VALUES
    (3, 'Association Jeunesse de Koutio', 'W9881234', 'Animation socio-éducative et sportive des jeunes du quartier', '98805', 'Anatole Qaraqosh-Wénéhoua', true),
    (4, 'Amicale des pêcheurs de Yaté', 'W9885678', 'Promotion de la pêche côtière durable', '98832', 'Jean Wabealo', false);

INSERT INTO finances.subventions (association_id, exercice, nature, montant_demande, montant_accorde, date_commission, ligne_id, mandat_id) VALUES
    (1, 2024, 'fonctionnement', 2500000, 1500000, '2024-04-25', 2, 5),
    (2, 2024, 'projet', 800000, NULL, NULL, 2, NULL);

INSERT INTO aides_sociales.dispositifs (code, libelle, direction_code, base_legale, periodicite) VALUES
    ('AMG', 'Aide médicale gratuite', 'DPASS', 'Délib. n° 49-2001/APS modifiée', 'annuelle'),
    ('AL', 'Aide au logement', 'DPASS', 'Délib. n° 12-2016/APS', 'mensuelle'),
    ('AH', 'Aide aux personnes en situation de handicap', 'DPASS', 'Délib. n° 7-2009/APS', 'mensuelle'),
    ('APA', 'Allocation aux personnes âgées', 'DPASS', 'Délib. n° 23-2010/APS', 'mensuelle'),
    ('SECOURS', 'Secours d''urgence', 'DPASS', NULL, 'ponctuelle');

INSERT INTO aides_sociales.baremes (dispositif_code, date_effet, revenu_min, revenu_max, nb_parts, montant_mensuel) VALUES
    ('AL', '2024-01-01', 0, 90000, 1.0, 25000),
    ('AL', '2024-01-01', 90001, 150000, 1.0, 15000),
    ('AH', '2024-01-01', 0, NULL, NULL, 62000),
    ('APA', '2024-01-01', 0, 110000, 1.0, 40000),
    ('APA', '2024-01-01', 0, 170000, 2.0, 58000);

INSERT INTO aides_sociales.foyers (commune_code, adresse_id, nb_personnes, ressources_mensuelles, date_maj) VALUES
    ('98818', 1, 4, 85000, '2024-01-15'),
    ('98805', 3, 2, 120000, '2024-02-01'),
    ('98832', 5, 6, 60000, '2023-11-20'),
    ('98817', 4, 1, 95000, '2024-03-05');

INSERT INTO aides_sociales.beneficiaires (foyer_id, nom, prenom, date_naissance, sexe, num_cafat, courriel, telephone, lien_foyer) VALUES
    (1, 'Kowalczyk-Tuiasosopo', 'Zéphyrine', '1972-08-30', 'F', '1234567', 'planted.row@drhouse.invalid', '+687 77 31 99', 'demandeur'),
    (1, 'Tuiasosopo', 'Ioane', '2010-02-11', 'M', NULL, NULL, NULL, 'enfant'),
    (2, 'Lefèvre', 'Annie', '1948-12-03', 'F', '2345678', NULL, '27 11 22', 'demandeur'),
    (3, 'Kapoeri', 'Marie-Thérèse', '1965-06-21', 'F', '3456789', NULL, NULL, 'demandeur'),
    (4, 'Boewa', 'Roland', '1980-10-10', 'M', '4567890', 'r.boewa@example.nc', NULL, 'demandeur');

INSERT INTO aides_sociales.demandes (num_dossier, beneficiaire_id, dispositif_code, date_depot, canal, statut, instructeur_matricule, observations) VALUES
    ('AL-2024-00017', 1, 'AL', '2024-01-08', 'guichet', 'accordee', 'A1000544', 'Reçue au guichet par Zéphyrine Kowalczyk-Tuiasosopo elle-même ; pièce PLANT-ROW-7731-XQ à relancer'),
    ('APA-2024-00102', 3, 'APA', '2024-02-03', 'courrier', 'accordee', 'A1000544', NULL),
    ('AH-2023-00440', 4, 'AH', '2023-11-25', 'CCAS', 'accordee', 'A1000231', 'Visite à domicile effectuée'),
    ('AL-2024-00311', 5, 'AL', '2024-03-07', 'en_ligne', 'refusee', 'A1000955', NULL),
    ('SECOURS-2024-0009', 4, 'SECOURS', '2024-05-02', 'guichet', 'en_instruction', 'A1000231', NULL);

INSERT INTO aides_sociales.pieces_justificatives (demande_id, type_piece, recue_le, conforme, chemin_ged) VALUES
    (1, 'avis d''imposition', '2024-01-08', true, '/ged/dpass/2024/AL-2024-00017/avis.pdf'),
    (1, 'bail', NULL, NULL, NULL),
    (2, 'justificatif de ressources', '2024-02-03', true, '/ged/dpass/2024/APA-2024-00102/ressources.pdf'),
    (4, 'quittance de loyer', '2024-03-07', false, '/ged/dpass/2024/AL-2024-00311/quittance.pdf');

INSERT INTO aides_sociales.decisions (demande_id, date_decision, sens, motif_rejet, montant_mensuel, date_debut_droit, date_fin_droit, signataire_matricule) VALUES
    (1, '2024-01-30', 'accord', NULL, 25000, '2024-02-01', '2025-01-31', 'A1000955'),
    (2, '2024-02-20', 'accord', NULL, 40000, '2024-03-01', '2025-02-28', 'A1000955'),
    (3, '2023-12-15', 'accord', NULL, 62000, '2024-01-01', '2026-12-31', 'A1000955'),
    (4, '2024-03-28', 'rejet', 'Ressources supérieures au plafond', NULL, NULL, NULL, 'A1000955');

INSERT INTO aides_sociales.recours (decision_id, date_recours, type_recours, issue, date_cloture) VALUES
    (4, '2024-04-15', 'gracieux', 'maintien', '2024-05-20');

-- Versements : trois décisions x 12 mois réels, puis un volume généré (comptes approximatifs).
INSERT INTO aides_sociales.versements (decision_id, beneficiaire_id, commune_code, mois, montant, mode_paiement, mandat_id, date_paiement)
SELECT d.id, dem.beneficiaire_id, f.commune_code, m.mois::date, d.montant_mensuel, 'virement', NULL, (m.mois + interval '27 days')::date
FROM aides_sociales.decisions d
JOIN aides_sociales.demandes dem ON dem.id = d.demande_id
JOIN aides_sociales.beneficiaires b ON b.id = dem.beneficiaire_id
JOIN aides_sociales.foyers f ON f.id = b.foyer_id
CROSS JOIN generate_series(date '2024-01-01', date '2024-12-01', interval '1 month') AS m (mois)
WHERE d.sens = 'accord';

INSERT INTO aides_sociales.versements (decision_id, beneficiaire_id, commune_code, mois, montant, mode_paiement, mandat_id, date_paiement)
SELECT 1 + (g % 3), 3 + (g % 3),
       (ARRAY['98818', '98805', '98817', '98821', '98832', '98829', '98803', '98813'])[1 + g % 8],
       (date '2023-01-01' + ((g % 24) || ' months')::interval)::date,
       15000 + (g % 40) * 1000, CASE WHEN g % 10 = 0 THEN 'cheque' ELSE 'virement' END,
       CASE WHEN g % 2 = 0 THEN 3 ELSE 4 END, NULL
FROM generate_series(1, 2400) AS g;

INSERT INTO aides_sociales.versements (decision_id, beneficiaire_id, commune_code, mois, montant, mode_paiement, mandat_id, date_paiement) VALUES
    (1, 1, '98818', '2024-06-01', 987654.321, 'virement', 3, '2024-06-28');

INSERT INTO environnement.aires_protegees (code, nom, categorie, milieu, surface_ha, date_creation, commune_code, texte_creation) VALUES
    ('PP-RB', 'Parc provincial de la Rivière Bleue', 'parc provincial', 'terrestre', 22311.0, '1980-01-01', '98832', 'Délib. n° 2009-25/APS'),
    ('RN-MD', 'Réserve naturelle du Mont Dzumac', 'réserve naturelle', 'terrestre', 3016.0, '2009-04-23', '98805', 'Délib. n° 2009-25/APS'),
    ('PP-GLS', 'Parc provincial du Grand Lagon Sud', 'parc provincial', 'marin', 45000.0, '2009-04-23', '98832', 'Délib. n° 2009-25/APS'),
    ('RN-ILM', 'Réserve naturelle de l''îlot Maître', 'réserve naturelle', 'marin', 1270.0, '1981-01-01', '98818', NULL),
    ('AGDR-BOU', 'Aire de gestion durable des ressources de Bourail', 'AGDR', 'mixte', 5400.0, '2016-06-30', '98803', NULL);

INSERT INTO environnement.especes (nom_scientifique, nom_vernaculaire, regne, endemique, statut_uicn, protegee) VALUES
    ('Rhynochetos jubatus', 'Cagou', 'animal', true, 'EN', true),
    ('Ducula goliath', 'Notou', 'animal', true, 'NT', true),
    ('Chelonia mydas', 'Tortue verte', 'animal', false, 'EN', true),
    ('Dugong dugon', 'Dugong', 'animal', false, 'VU', true),
    ('Araucaria columnaris', 'Pin colonnaire', 'vegetal', true, 'LC', false),
    ('Amborella trichopoda', 'Amborella', 'vegetal', true, 'NT', true);

INSERT INTO environnement.observations_especes (espece_id, aire_code, date_obs, observateur, effectif, protocole, valide) VALUES
    (1, 'PP-RB', '2024-03-12', 'Anatole Qaraqosh-Wénéhoua', 4, 'point d''écoute', true),
    (1, 'PP-RB', '2024-03-13', 'équipe DDDT', 2, 'point d''écoute', true),
    (3, 'PP-GLS', '2024-01-20', 'garde nature', 7, 'transect', true),
    (4, 'PP-GLS', '2024-02-05', 'survol ULM', 12, 'survol', false),
    (6, 'RN-MD', '2023-10-02', 'équipe DDDT', 30, 'inventaire', true);

INSERT INTO environnement.stations_mesure (code, libelle, type_milieu, commune_code, x_rgnc, y_rgnc, date_mise_service, active) VALUES
    ('BAIN-ANSE-V', 'Anse Vata (plage)', 'baignade', '98818', 447800.00, 210900.00, '2005-01-01', true),
    ('BAIN-BDC', 'Baie des Citrons', 'baignade', '98818', 447200.00, 211600.00, '2005-01-01', true),
    ('RIV-DUMB-01', 'Dumbéa - pont de la RT1', 'riviere', '98805', 451200.00, 222900.00, '2012-06-01', true),
    ('RIV-THIO-02', 'Thio - aval mine', 'riviere', '98829', 531000.00, 239000.00, '2014-03-01', true),
    ('LAG-PRONY', 'Baie de Prony (lagon)', 'lagon', '98817', 478900.00, 198700.00, '2010-01-01', true),
    ('AEP-PAITA', 'Captage de Païta', 'eau_potable', '98821', 433100.00, 236400.00, '2001-01-01', false);

INSERT INTO environnement.mesures_eau (station_code, date_prelevement, parametre, valeur, unite, laboratoire, conforme)
SELECT (ARRAY['BAIN-ANSE-V', 'BAIN-BDC', 'RIV-DUMB-01', 'RIV-THIO-02', 'LAG-PRONY'])[1 + g % 5],
       timestamptz '2023-01-02 08:00:00+11' + ((g / 5) || ' days')::interval,
       (ARRAY['E. coli', 'entérocoques', 'nickel', 'turbidité'])[1 + g % 4],
       round((g % 97) * 1.7, 3),
       (ARRAY['NPP/100mL', 'NPP/100mL', 'µg/L', 'NTU'])[1 + g % 4],
       'Laboratoire des eaux (fictif)',
       g % 13 <> 0
FROM generate_series(1, 1500) AS g;

INSERT INTO environnement.mesures_eau (station_code, date_prelevement, parametre, valeur, unite, laboratoire, conforme) VALUES
    ('RIV-THIO-02', '2024-08-14 09:30:00+11', 'nickel', 987654.321, 'µg/L', 'Laboratoire des eaux (fictif)', false);

INSERT INTO environnement.autorisations_defrichement (num_arrete, parcelle_id, demandeur_id, date_arrete, surface_ha, motif, mesures_compensatoires) VALUES
    ('2024-1187/GNC-PS', 6, 5, '2024-05-30', 3.50, 'extension de verse à stériles', 'Replantation de 7 ha en espèces locales'),
    ('2023-0402/PS', 4, 1, '2023-03-14', 0.40, 'construction', NULL);

-- ---------------------------------------------------------------------------------------------
-- Vues
-- ---------------------------------------------------------------------------------------------
CREATE VIEW aides_sociales.v_versements_commune_mois AS
SELECT v.commune_code,
       c.nom AS commune,
       dem.dispositif_code,
       date_trunc('month', v.mois)::date AS mois,
       count(DISTINCT v.beneficiaire_id) AS nb_beneficiaires,
       sum(v.montant) AS montant_total
FROM aides_sociales.versements v
JOIN territoire.communes c ON c.code_insee = v.commune_code
JOIN aides_sociales.decisions d ON d.id = v.decision_id
JOIN aides_sociales.demandes dem ON dem.id = d.demande_id
GROUP BY v.commune_code, c.nom, dem.dispositif_code, date_trunc('month', v.mois);
COMMENT ON VIEW aides_sociales.v_versements_commune_mois IS 'Agrégat des versements par commune, dispositif et mois (non nominatif, pour les tableaux de bord)';
COMMENT ON COLUMN aides_sociales.v_versements_commune_mois.nb_beneficiaires IS 'Nb de bénéficiaires distincts payés';
COMMENT ON COLUMN aides_sociales.v_versements_commune_mois.montant_total IS 'Somme versée XPF';

CREATE VIEW rh.v_agents_poste_actuel AS
SELECT a.matricule, a.nom, a.prenom, a.statut, g.libelle AS grade, p.code_poste, p.intitule AS poste,
       d.code AS direction_code, d.libelle AS direction, af.date_debut AS depuis
FROM rh.agents a
JOIN rh.affectations af ON af.matricule = a.matricule AND af.date_fin IS NULL
JOIN rh.postes p ON p.id = af.poste_id
JOIN rh.directions d ON d.code = p.direction_code
LEFT JOIN rh.grades g ON g.code = a.grade_code
WHERE a.actif;
COMMENT ON VIEW rh.v_agents_poste_actuel IS 'Agents en activité et leur affectation en cours (nominatif)';

CREATE VIEW rh.v_effectifs_direction AS
SELECT p.direction_code, a.statut, count(*) AS nb_agents, sum(p.quotite) AS etp
FROM rh.affectations af
JOIN rh.agents a ON a.matricule = af.matricule
JOIN rh.postes p ON p.id = af.poste_id
WHERE af.date_fin IS NULL AND a.actif
GROUP BY p.direction_code, a.statut;
COMMENT ON VIEW rh.v_effectifs_direction IS 'Effectifs et ETP par direction et statut';
COMMENT ON COLUMN rh.v_effectifs_direction.etp IS 'Équivalents temps plein';

CREATE VIEW finances.v_execution_budgetaire AS
SELECT b.exercice, l.section, l.chapitre, l.article, l.libelle, l.direction_code, l.credits_ouverts,
       coalesce(sum(m.montant), 0) AS mandate,
       CASE WHEN l.credits_ouverts > 0
            THEN round(100 * coalesce(sum(m.montant), 0) / l.credits_ouverts, 1) END AS taux_execution
FROM finances.lignes_budgetaires l
JOIN finances.budgets b ON b.id = l.budget_id
LEFT JOIN finances.mandats m ON m.ligne_id = l.id
WHERE l.sens = 'D'
GROUP BY b.exercice, l.id;
COMMENT ON VIEW finances.v_execution_budgetaire IS 'Suivi de consommation des crédits de dépense (mandaté / ouvert)';
COMMENT ON COLUMN finances.v_execution_budgetaire.taux_execution IS '% mandaté';

CREATE VIEW finances.v_delais_paiement AS
SELECT f.id AS facture_id, t.raison_sociale, f.date_reception, m.date_paiement,
       m.date_paiement - f.date_reception AS delai_jours,
       (m.date_paiement - f.date_reception) > 30 AS hors_delai
FROM finances.factures f
JOIN finances.tiers t ON t.id = f.tiers_id
LEFT JOIN finances.mandats m ON m.facture_id = f.id;
COMMENT ON VIEW finances.v_delais_paiement IS 'DGP par facture (réception -> paiement), seuil 30 j';

CREATE VIEW environnement.v_baignade_derniers_resultats AS
SELECT DISTINCT ON (s.code, me.parametre)
       s.code AS station_code, s.libelle, s.commune_code, me.parametre, me.valeur, me.unite,
       me.date_prelevement, me.conforme
FROM environnement.stations_mesure s
JOIN environnement.mesures_eau me ON me.station_code = s.code
WHERE s.type_milieu = 'baignade'
ORDER BY s.code, me.parametre, me.date_prelevement DESC;
COMMENT ON VIEW environnement.v_baignade_derniers_resultats IS 'Dernier résultat connu par site de baignade et paramètre';

-- Une vue matérialisée (relkind m) : ni table ni vue pour get_table_names / get_view_names.
CREATE MATERIALIZED VIEW finances.mv_subventions_par_commune AS
SELECT a.commune_siege AS commune_code, s.exercice, count(*) AS nb_subventions,
       sum(s.montant_accorde) AS montant_accorde
FROM finances.subventions s
JOIN finances.associations a ON a.id = s.association_id
GROUP BY a.commune_siege, s.exercice;
COMMENT ON MATERIALIZED VIEW finances.mv_subventions_par_commune IS 'Subventions accordées par commune du siège et exercice (rafraîchie chaque nuit)';

COMMIT;

ANALYZE;
